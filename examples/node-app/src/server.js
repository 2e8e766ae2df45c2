// A tiny HTTP server: `node server.js --port N`.
const http = require('node:http');

const i = process.argv.indexOf('--port');
const port = i === -1 ? 3000 : Number(process.argv[i + 1]);
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ hello: 'from cube', url: req.url }) + '\n');
  })
  .listen(port, () => console.log(`listening on ${port}`));
