#!/usr/bin/env node
// The built Worker (dist/workers) in workerd, the open-source Workers runtime from npm, with no
// wrangler: writes the configuration (scripts/workerd-config.mjs) beside the worker, starts workerd,
// prints the URL once it answers, and stops workerd with itself. `npx workerd serve` under a PID
// cannot be stopped that way: npx runs workerd as a child and does not pass the signal on.
//   node scripts/workerd.mjs --origin http://127.0.0.1:3000/ [--port 8787] [--dir dist/workers]
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { workerdConfig } from './workerd-config.mjs';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function fail(message) {
  console.error(`workerd: ${message}`);
  process.exit(2);
}

/** The workerd binary of the `workerd` package (its bin entry is the native binary itself). */
function workerdBinary() {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('workerd/package.json'));
  return path.join(root, 'bin', 'workerd');
}

/** Resolves once `url` answers, or rejects when the child exits first. */
async function answering(url, child) {
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (!exited) {
    const up = await fetch(url, { method: 'HEAD' }).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('workerd exited before it served');
}

const { values } = parseArgs({
  options: { origin: { type: 'string' }, port: { type: 'string' }, dir: { type: 'string' } },
});
if (!values.origin) fail('--origin URL is required: the base URL of the images, e.g. http://127.0.0.1:3000/');
const port = Number(values.port ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be 1-65535, not ${values.port}`);
const dir = path.resolve(values.dir ?? 'dist/workers');
if (!existsSync(path.join(dir, 'index.mjs'))) fail(`no worker in ${dir}: run npm run build first`);

const config = path.join(dir, 'config.capnp');
writeFileSync(config, workerdConfig({ dir, port, origin: values.origin }));
const child = spawn(workerdBinary(), ['serve', config], { stdio: ['ignore', 'inherit', 'inherit'] });
// Every way of stopping this process stops workerd: signals are passed on, and its exit is ours.
for (const signal of SIGNALS) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (SIGNALS.includes(signal) ? 0 : 1)));
child.on('error', (error) => fail(`cannot start ${workerdBinary()}: ${error.message}`));

const url = `http://127.0.0.1:${port}/`;
await answering(url, child).then(
  () => console.log(`edge-resizer in workerd: ${url} (origin ${values.origin})`),
  () => undefined, // the exit handler reports workerd's status
);
