#!/usr/bin/env node
// `npm test` runs this first: the Debian packages the suites use, checked one by one and installed
// when missing (as root, or through passwordless sudo), saying in one line what it installs. When it
// cannot install them it stops with one line naming the exact command; a suite never skips itself.
//   chromium: the page tests (playwright-core never downloads a browser); njs: the viewer-request
//   function as CloudFront runs it; clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32, cmake,
//   ninja-build, dpkg-dev and deb-src entries: wasm/build.mjs --check rebuilds the committed
//   WebAssembly from Debian's source packages; libclang-rt-14-dev: the libpng patch checked with
//   AddressSanitizer; libjpeg-turbo-progs, libjpeg62-turbo-dev: cjpeg/djpeg fixtures and references;
//   colord-data, libgs-common: the ICC profiles of the colour tests.
// Usage: node scripts/provision.mjs
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLANG_RT = '/usr/lib/llvm-14/lib/clang/14.0.6/lib';
export const DEBIAN_SOURCES = '/etc/apt/sources.list.d/debian.sources';

/** What each package provides that the tests look for: a command on PATH or a file. */
export function needs(env = process.env, arch = process.arch) {
  return [
    { pkg: 'chromium', file: env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    { pkg: 'njs', command: 'njs' },
    { pkg: 'clang-14', command: 'clang-14' },
    { pkg: 'lld-14', file: '/usr/bin/wasm-ld-14' },
    { pkg: 'wasi-libc', file: '/usr/lib/wasm32-wasi/libc.a' },
    { pkg: 'libclang-rt-14-dev-wasm32', file: `${CLANG_RT}/wasi` },
    {
      pkg: 'libclang-rt-14-dev',
      file: `${CLANG_RT}/linux/libclang_rt.asan-${arch === 'arm64' ? 'aarch64' : 'x86_64'}.a`,
    },
    { pkg: 'dpkg-dev', command: 'dpkg-source' },
    { pkg: 'libjpeg-turbo-progs', command: 'cjpeg' },
    { pkg: 'libjpeg62-turbo-dev', file: '/usr/include/jpeglib.h' },
    { pkg: 'colord-data', file: '/usr/share/color/icc/colord/AdobeRGB1998.icc' },
    { pkg: 'libgs-common', file: '/usr/share/color/icc/ghostscript/default_cmyk.icc' },
    { pkg: 'cmake', command: 'cmake' },
    { pkg: 'ninja-build', command: 'ninja' },
  ];
}

/**
 * What is missing, given how to look: `exists(file)`, `hasCommand(name)`, and `sources`, the text of
 * debian.sources (undefined when the machine has none). `debSrc`: apt has no source entries yet, and
 * wasm/build.mjs needs `apt-get source`.
 */
export function missing({ exists, hasCommand, sources, env = {}, arch = 'x64' }) {
  const packages = needs(env, arch)
    .filter((need) => (need.command ? !hasCommand(need.command) : !exists(need.file)))
    .map((need) => need.pkg);
  const debSrc = sources !== undefined && !/^Types:.*\bdeb-src\b/m.test(sources);
  return { packages, debSrc };
}

/**
 * The decision: nothing to do, the commands to run (each an argv, through `sudo -n` unless root),
 * or the one line to stop with. `can`: { root, sudo, aptGet } as found on this machine.
 */
export function plan({ packages, debSrc }, can) {
  if (packages.length === 0 && !debSrc) return { action: 'ready' };
  const steps = [
    ...(debSrc ? [['sed', '-i', 's/^Types: deb$/Types: deb deb-src/', DEBIAN_SOURCES]] : []),
    ['apt-get', 'update', '-qq'],
    ...(packages.length ? [['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages]] : []),
  ];
  const what = [...packages, ...(debSrc ? [`deb-src entries in ${DEBIAN_SOURCES}`] : [])].join(', ');
  if (can.aptGet && (can.root || can.sudo)) {
    // sudo resets the environment: apt-get must still not ask questions.
    const prefix = can.root ? [] : ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
    return {
      action: 'install',
      steps: steps.map((step) => [...prefix, ...step]),
      message: `provision: installing what the tests need: ${what} (apt-get${can.root ? '' : ' through sudo'})`,
    };
  }
  const command = steps.map((step) => `sudo ${step.map(quote).join(' ')}`).join(' && ');
  return {
    action: 'stop',
    message: `provision: the tests need ${what}; install ${can.aptGet ? 'them' : 'them (Debian 12 packages)'} with: ${command}`,
  };
}

function quote(word) {
  return /^[\w./=:-]+$/.test(word) ? word : `'${word}'`;
}

/** A command on PATH, found without running a shell. */
export function onPath(name, PATH = process.env.PATH ?? '') {
  return PATH.split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function passwordlessSudo() {
  if (!onPath('sudo')) return false;
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function main() {
  const sources = existsSync(DEBIAN_SOURCES) ? readFileSync(DEBIAN_SOURCES, 'utf8') : undefined;
  const lack = missing({
    exists: existsSync,
    hasCommand: (name) => onPath(name),
    sources,
    env: process.env,
    arch: process.arch,
  });
  const root = process.getuid?.() === 0;
  const decision = plan(lack, {
    root,
    sudo: !root && lack.packages.length + Number(lack.debSrc) > 0 && passwordlessSudo(),
    aptGet: onPath('apt-get'),
  });
  if (decision.action === 'ready') return;
  if (decision.action === 'stop') {
    console.error(decision.message);
    process.exit(1);
  }
  console.log(decision.message);
  for (const [command, ...args] of decision.steps) {
    execFileSync(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const after = missing({
    exists: existsSync,
    hasCommand: (name) => onPath(name),
    sources: undefined,
    env: process.env,
    arch: process.arch,
  });
  if (after.packages.length) {
    console.error(`provision: still missing after apt-get: ${after.packages.join(', ')}`);
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
