import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { findToolchain } from '../wasm/build.mjs';

// The committed kernels must be what their sources build to. CI installs clang; elsewhere the test
// is skipped when no toolchain is present, never in CI.
const toolchain = findToolchain();
if (!toolchain && process.env.CI) throw new Error('CI needs clang-14 and lld-14 to verify wasm/build');

test.skipIf(!toolchain)(
  'wasm/build matches wasm/*.c',
  async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['wasm/build.mjs', '--check']);
    expect(stdout).toMatch(/match their sources/);
  },
  60_000,
);
