/*
 * A stand-in for the sandbox agent, for examples and tests. It takes envd's own command line
 * (e2b-dev/infra packages/envd): `-port N` (default 49983), `-isnotfc`, `-version`, and the
 * ignored `-no-cgroups`, `-verbose` and `-cgroup-root DIR`, with Go's flag syntax (`-flag`, `--flag`, `-port=N`, `-port N`); an unknown flag is an error (exit 2),
 * as in envd. It answers `GET /health` with 204 No Content and anything else with 404.
 * One flag is its own, for tests: `-report FILE` appends a line saying how it was started
 * (uid, gid, argv). It is built as a static binary so it runs inside any example image.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VERSION "0.0.0-cube-stand-in"

static const char NO_CONTENT[] = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
static const char NOT_FOUND[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

/* The flag's name without its dashes, or NULL when `arg` is not a flag. */
static const char *flag_name(const char *arg) {
  if (arg[0] != '-' || arg[1] == '\0') return NULL;
  return arg[1] == '-' ? arg + 2 : arg + 1;
}

/* True when `name` (up to '=') is `want`; sets *value to the text after '=' if there is one. */
static int is_flag(const char *name, const char *want, const char **value) {
  size_t n = strlen(want);
  if (strncmp(name, want, n) != 0) return 0;
  if (name[n] == '\0') return *value = NULL, 1;
  if (name[n] == '=') return *value = name + n + 1, 1;
  return 0;
}

static void report(const char *path, int argc, char **argv) {
  FILE *f = fopen(path, "a");
  if (!f) return;
  fprintf(f, "envd uid=%d gid=%d argv=", (int)getuid(), (int)getgid());
  for (int i = 0; i < argc; i++) fprintf(f, "%s<%s>", i ? " " : "", argv[i]);
  fprintf(f, "\n");
  fclose(f);
}

int main(int argc, char **argv) {
  int port = 49983;
  const char *report_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *name = flag_name(argv[i]), *value = NULL;
    if (name && is_flag(name, "port", &value)) {
      if (!value && i + 1 < argc) value = argv[++i];
      if (!value) return fprintf(stderr, "flag needs an argument: -port\n"), 2;
      port = atoi(value);
    } else if (name && is_flag(name, "report", &value)) {
      if (!value && i + 1 < argc) value = argv[++i];
      if (!value) return fprintf(stderr, "flag needs an argument: -report\n"), 2;
      report_path = value;
    } else if (name && (is_flag(name, "isnotfc", &value) || is_flag(name, "no-cgroups", &value) || is_flag(name, "verbose", &value))) {
      continue;
    } else if (name && is_flag(name, "cgroup-root", &value)) {
      if (!value && i + 1 < argc) i++;
    } else if (name && is_flag(name, "version", &value)) {
      return printf("%s\n", VERSION), 0;
    } else {
      return fprintf(stderr, "flag provided but not defined: %s\n", argv[i]), 2;
    }
  }
  if (report_path) report(report_path, argc, argv);
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
