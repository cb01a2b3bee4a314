#!/usr/bin/env node
// Builds our WebAssembly kernels from their C sources with Debian's clang and wasm-ld (no libc).
//   node wasm/build.mjs           rebuild wasm/build/*.wasm (commit the result)
//   node wasm/build.mjs --check   rebuild into a temporary folder and fail if it differs from the
//                                 committed build (CI runs this through the test suite)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const KERNELS = ['resize', 'jpeg-encode'];
const FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-mbulk-memory', // memset and memcpy become memory.fill and memory.copy: no libc needed
  '-nostdlib',
  '-ffreestanding',
  '-Wall',
  '-Wextra',
  '-Werror',
];
const LINK = ['-Wl,--no-entry', '-Wl,--strip-all'];

export function findToolchain() {
  const clang = ['clang-14', 'clang'].find((name) => which(name));
  const linker = ['/usr/bin/wasm-ld-14', '/usr/bin/wasm-ld'].find((file) => existsSync(file));
  return clang && linker ? { clang, linker } : undefined;
}

function which(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function build(outDir) {
  const toolchain = findToolchain();
  if (!toolchain) throw new Error('clang and wasm-ld are needed: apt-get install clang-14 lld-14');
  for (const name of KERNELS) {
    const out = path.join(outDir, `${name}.wasm`);
    execFileSync(
      toolchain.clang,
      [...FLAGS, `-fuse-ld=${toolchain.linker}`, ...LINK, '-o', out, path.join(here, `${name}.c`)],
      {
        stdio: 'inherit',
      },
    );
  }
  return KERNELS.map((name) => path.join(outDir, `${name}.wasm`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const fresh = build(mkdtempSync(path.join(tmpdir(), 'edge-resizer-wasm-')));
    const stale = fresh.filter(
      (file) => !readFileSync(file).equals(readFileSync(path.join(here, 'build', path.basename(file)))),
    );
    if (stale.length) {
      console.error(
        `wasm: ${stale.map((f) => path.basename(f)).join(', ')} differ from their sources: run node wasm/build.mjs`,
      );
      process.exit(1);
    }
    console.log(`wasm: ${fresh.length} kernel(s) match their sources`);
  } else {
    for (const file of build(path.join(here, 'build')))
      console.log(`${file}: ${readFileSync(file).length} bytes`);
  }
}
