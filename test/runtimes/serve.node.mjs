// The fetch handler under Node (20 or 22) on node:http, origin from ORIGIN_URL; prints
// `listening <port>`. The same few lines any Node user writes around the handler.
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { createFetchHandler } from '../../dist/fetch.js';

const handler = createFetchHandler({ origin: process.env.ORIGIN_URL });
const server = createServer(async (req, res) => {
  const response = await handler(
    new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers: req.headers }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body) Readable.fromWeb(response.body).pipe(res);
  else res.end();
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
