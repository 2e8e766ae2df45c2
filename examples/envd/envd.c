/*
 * A stand-in for the sandbox agent, for examples and tests: it answers `GET /health` with
 * 204 No Content on its port (default 49983, or `--port N`) and 404 to anything else, and
 * appends "envd started" to the file named by `--started FILE` when given. It is built as a
 * static binary so it runs inside any example image.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char NO_CONTENT[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
static const char NOT_FOUND[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

int main(int argc, char **argv) {
  int port = 49983;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    if (strcmp(argv[i], "--started") == 0) {
      FILE *f = fopen(argv[i + 1], "a");
      if (f) {
        fprintf(f, "envd started\n");
        fclose(f);
      }
    }
  }
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY)};
  if (server < 0 || bind(server, (struct sockaddr *)&address, sizeof address) != 0 || listen(server, 16) != 0) {
    perror("envd: cannot listen");
    return 1;
  }
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) continue;
    char request[1024];
    ssize_t n = read(client, request, sizeof request - 1);
    request[n > 0 ? n : 0] = '\0';
    const char *reply = strncmp(request, "GET /health ", 12) == 0 ? NO_CONTENT : NOT_FOUND;
    ssize_t ignored = write(client, reply, strlen(reply));
    (void)ignored;
    close(client);
  }
}
