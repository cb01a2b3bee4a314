import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';
import { codecSources, findToolchain, hasWasiSysroot } from '../wasm/build.mjs';
import { readEndReproductions } from './helpers/png-read-end.js';

const run = promisify(execFile);

// The committed WebAssembly must be what its sources build to: our kernels, and the codecs from the
// pinned Debian source packages (downloaded once into ~/.cache/edge-resizer/debian). `npm test`
// installs the toolchain first (scripts/provision.mjs); without it this suite fails, never skips.
const toolchain = findToolchain();
const ready = Boolean(toolchain && hasWasiSysroot());
const PROVISION = 'run node scripts/provision.mjs (npm test does), which installs';
if (!ready)
  throw new Error(
    `wasm/build check needs clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32, cmake and ninja-build: ${PROVISION} them`,
  );

test('wasm/build matches wasm/*.c and the pinned Debian sources', async () => {
  const { stdout } = await run(process.execPath, ['wasm/build.mjs', '--check'], {
    maxBuffer: 16 * 1024 * 1024,
  });
  expect(stdout).toMatch(/10 module\(s\) match their sources/);
}, 300_000);

// Our libpng patch for CVE-2026-46675 (wasm/debian/patches/libpng1.6), checked natively with
// AddressSanitizer: Debian's deb12u5 as shipped reads freed or returned memory on each reproduction,
// ours does not and fails with libpng's error instead. Needs clang's native runtime
// (libclang-rt-14-dev, which npm test provisions).
const asanRuntime = toolchain
  ? path.join(
      execFileSync(toolchain.clang, ['-print-resource-dir'], { encoding: 'utf8' }).trim(),
      'lib',
      'linux',
      `libclang_rt.asan-${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}.a`,
    )
  : undefined;
if (asanRuntime === undefined || !existsSync(asanRuntime))
  throw new Error(`the libpng patch check needs libclang-rt-14-dev: ${PROVISION} it`);

test('libpng: our CVE-2026-46675 patch ends the use-after-free that deb12u5 has (native, AddressSanitizer)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-asan-'));
  const build = async (pristine: boolean) => {
    const { trees, files } = codecSources('png', { pristine });
    const config = mkdtempSync(path.join(dir, 'config-'));
    const libpng = trees['libpng1.6'] as string;
    copyFileSync(path.join(libpng, 'scripts', 'pnglibconf.h.prebuilt'), path.join(config, 'pnglibconf.h'));
    const binary = path.join(dir, pristine ? 'deb12u5' : 'patched');
    await run(toolchain?.clang as string, [
      ...['-g', '-O1', '-fsanitize=address', '-fno-omit-frame-pointer', '-w'],
      ...[config, ...Object.values(trees)].map((include) => `-I${include}`),
      ...['wasm/tools/png-read-end.c', ...files, '-lm', '-o', binary],
    ]);
    return binary;
  };
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const [pristine, patched] = await Promise.all([build(true), build(false)]);
  const env = { ...process.env, ASAN_OPTIONS: 'detect_stack_use_after_return=1:detect_leaks=0' };
  const read = async (binary: string, file: string) =>
    run(binary, [file], { env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  for (const [chunk, bytes] of Object.entries(readEndReproductions())) {
    const file = path.join(dir, `${chunk}.png`);
    writeFileSync(file, bytes);
    const before = await read(pristine, file);
    expect(before.stderr, chunk).toMatch(/AddressSanitizer: (heap-use-after-free|stack-use-after-return)/);
    const after = await read(patched, file);
    expect(after.stderr, chunk).not.toMatch(/AddressSanitizer/);
    expect(after.stdout, chunk).toMatch(new RegExp(`^warning: ${chunk}: `, 'm'));
    expect([after.code, after.stdout], chunk).toEqual([1, expect.stringMatching(/^error: /m)]);
  }
}, 300_000);
