import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { findToolchain, hasWasiSysroot } from '../wasm/build.mjs';

// The committed WebAssembly must be what its sources build to: our kernels, and the codecs from the
// pinned Debian source packages (downloaded once into ~/.cache/edge-resizer/debian). CI installs the
// toolchain; elsewhere the test is skipped, with the reason, when it is missing, never in CI.
const toolchain = findToolchain();
const ready = Boolean(toolchain && hasWasiSysroot());
const missing =
  'clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32, cmake and ninja-build (.ci/run installs them)';
if (!ready && process.env.CI) throw new Error(`CI needs ${missing} to verify wasm/build`);
if (!ready) console.warn(`wasm/build check skipped: install ${missing} to run it`);

test.skipIf(!ready)(
  'wasm/build matches wasm/*.c and the pinned Debian sources',
  async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['wasm/build.mjs', '--check'], {
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(stdout).toMatch(/10 module\(s\) match their sources/);
  },
  300_000,
);
