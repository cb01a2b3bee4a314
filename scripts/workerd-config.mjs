#!/usr/bin/env node
// A workerd configuration for the built worker (dist/workers), for running it locally with the
// open-source Workers runtime and no wrangler. `node scripts/workerd.mjs --origin URL` writes it and
// runs workerd (stopping cleanly); by hand:
//   node scripts/workerd-config.mjs --origin http://127.0.0.1:8080/ --port 8787 > dist/workers/config.capnp
//   node_modules/.bin/workerd serve dist/workers/config.capnp
// Every .wasm beside index.mjs is declared as a compiled WebAssembly module, as Workers upload them.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export function workerdConfig({ dir, port, origin, secret, compatibilityDate = '2025-09-01' }) {
  const wasm = readdirSync(dir)
    .filter((name) => name.endsWith('.wasm'))
    .sort();
  const modules = [
    `(name = "index.mjs", esModule = embed "index.mjs")`,
    ...wasm.map((name) => `(name = "${name}", wasm = embed "${name}")`),
  ];
  const bindings = [`(name = "ORIGIN_URL", text = ${JSON.stringify(origin)})`];
  if (secret) bindings.push(`(name = "EDGE_RESIZER_SECRET", text = ${JSON.stringify(secret)})`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .resizer),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const resizer :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')}
  ],
  compatibilityDate = "${compatibilityDate}",
  bindings = [ ${bindings.join(', ')} ],
  globalOutbound = "internet",
);
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { origin: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' } },
  });
  if (!values.origin) {
    console.error('workerd-config: --origin URL is required');
    process.exit(2);
  }
  const dir = path.resolve(values.dir ?? 'dist/workers');
  process.stdout.write(workerdConfig({ dir, port: Number(values.port ?? 8787), origin: values.origin }));
}
