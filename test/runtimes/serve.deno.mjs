// The fetch handler under Deno, on http://127.0.0.1:8000/ (PORT and HOST change it; PORT=0 picks a
// free port), for the images under ORIGIN_URL (`npm start`'s http://127.0.0.1:3000/ will do):
//   ORIGIN_URL=http://127.0.0.1:3000/ deno run --allow-net --allow-env --allow-read=dist test/runtimes/serve.deno.mjs
// --allow-read is for AVIF: its two .wasm files are read from edge-resizer's dist/ on first use
// (node_modules/edge-resizer/dist in a project); without it AVIF is served as the original with
// `x-resizer-passthrough: codec-unavailable` and a console line naming the flag. Prints its URL once
// listening; Ctrl-C or SIGTERM finishes the requests under way and exits 0.
import { createFetchHandler } from '../../dist/fetch.js';

const origin = Deno.env.get('ORIGIN_URL');
if (!origin) {
  console.error('serve.deno.mjs: set ORIGIN_URL to the base URL of the images, e.g. http://127.0.0.1:3000/');
  Deno.exit(2);
}
const hostname = Deno.env.get('HOST') ?? '127.0.0.1';
const server = Deno.serve(
  {
    hostname,
    port: Number(Deno.env.get('PORT') ?? 8000),
    onListen: ({ port }) =>
      console.log(`edge-resizer on Deno: http://${hostname}:${port}/ (origin ${origin})`),
  },
  createFetchHandler({ origin }),
);
for (const signal of ['SIGINT', 'SIGTERM']) {
  Deno.addSignalListener(signal, () => server.shutdown().then(() => Deno.exit(0)));
}
