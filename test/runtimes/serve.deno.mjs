// The fetch handler under Deno: `deno run --allow-net --allow-env serve.deno.mjs` (AVIF would also
// need --allow-read for edge-resizer's dist/, where its two .wasm files are read on first use), origin from
// ORIGIN_URL; prints `listening <port>` once serving on loopback.
import { createFetchHandler } from '../../dist/fetch.js';

const handler = createFetchHandler({ origin: Deno.env.get('ORIGIN_URL') });
Deno.serve(
  { hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(`listening ${port}`) },
  handler,
);
