// The fetch handler under Bun, on http://127.0.0.1:8001/ (PORT and HOST change it; PORT=0 picks a
// free port; not Bun's default 3000, where `npm start` serves), for the images under ORIGIN_URL
// (`npm start`'s http://127.0.0.1:3000/ will do):
//   ORIGIN_URL=http://127.0.0.1:3000/ bun test/runtimes/serve.bun.mjs
// Prints its URL once listening; Ctrl-C or SIGTERM finishes the requests under way and exits 0.
import { createFetchHandler } from '../../dist/fetch.js';

const origin = process.env.ORIGIN_URL;
if (!origin) {
  console.error('serve.bun.mjs: set ORIGIN_URL to the base URL of the images, e.g. http://127.0.0.1:3000/');
  process.exit(2);
}
const server = Bun.serve({
  hostname: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 8001),
  fetch: createFetchHandler({ origin }),
});
console.log(`edge-resizer on Bun: http://${server.hostname}:${server.port}/ (origin ${origin})`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.stop().then(() => process.exit(0)));
}
