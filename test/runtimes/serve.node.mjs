// The fetch handler under Node (20 or 22) on node:http, on http://127.0.0.1:8002/ (PORT and HOST
// change it; PORT=0 picks a free port), for the images under ORIGIN_URL:
//   ORIGIN_URL=http://127.0.0.1:3000/ node test/runtimes/serve.node.mjs
// The same few lines any Node user writes around the handler. Prints its URL once listening; Ctrl-C
// or SIGTERM finishes the requests under way and exits 0.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createFetchHandler } from '../../dist/fetch.js';

const origin = process.env.ORIGIN_URL;
if (!origin) {
  console.error('serve.node.mjs: set ORIGIN_URL to the base URL of the images, e.g. http://127.0.0.1:3000/');
  process.exit(2);
}
const handler = createFetchHandler({ origin });
const server = createServer(async (req, res) => {
  const response = await handler(
    new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body).pipe(res);
  else res.end();
});
const host = process.env.HOST ?? '127.0.0.1';
server.listen(Number(process.env.PORT ?? 8002), host, () =>
  console.log(`edge-resizer on Node: http://${host}:${server.address().port}/ (origin ${origin})`),
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeIdleConnections();
  });
}
