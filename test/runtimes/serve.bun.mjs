// The fetch handler under Bun: `bun serve.bun.mjs`, origin from ORIGIN_URL; prints `listening <port>`.
import { createFetchHandler } from '../../dist/fetch.js';

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: createFetchHandler({ origin: process.env.ORIGIN_URL }),
});
console.log(`listening ${server.port}`);
