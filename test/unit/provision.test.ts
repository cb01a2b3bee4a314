import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEBIAN_SOURCES, missing, needs, onPath, plan } from '../../scripts/provision.mjs';

// `npm test` provisions the Debian packages its suites use (scripts/provision.mjs). Its decisions,
// with the machine injected: which files and commands are present, who runs it, what apt allows.
const ALL = needs({}, 'x64');
const FILES = new Set(ALL.flatMap((need) => (need.file ? [need.file] : [])));
const COMMANDS = new Set(ALL.flatMap((need) => (need.command ? [need.command] : [])));
const BOOKWORM = 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\n';
const WITH_SRC = BOOKWORM.replace('Types: deb', 'Types: deb deb-src');

/** A machine holding everything but `absent` (package names). */
function machine(absent: string[], sources: string | undefined = WITH_SRC) {
  const gone = ALL.filter((need) => absent.includes(need.pkg));
  return {
    exists: (file: string) => FILES.has(file) && !gone.some((need) => need.file === file),
    hasCommand: (name: string) => COMMANDS.has(name) && !gone.some((need) => need.command === name),
    sources,
  };
}

describe('what is missing', () => {
  test('nothing on a provisioned machine', () => {
    expect(missing(machine([]))).toEqual({ packages: [], debSrc: false });
  });

  test('a fresh Debian 12: every package, and the deb-src entries', () => {
    const fresh = { exists: () => false, hasCommand: () => false, sources: BOOKWORM };
    expect(missing(fresh)).toEqual({
      packages: [
        'chromium',
        'njs',
        'clang-14',
        'lld-14',
        'wasi-libc',
        'libclang-rt-14-dev-wasm32',
        'libclang-rt-14-dev',
        'dpkg-dev',
        'libjpeg-turbo-progs',
        'libjpeg62-turbo-dev',
        'colord-data',
        'libgs-common',
        'cmake',
        'ninja-build',
      ],
      debSrc: true,
    });
  });

  test('the colour profiles alone (the machine of the issue)', () => {
    expect(missing(machine(['colord-data', 'libgs-common']))).toEqual({
      packages: ['colord-data', 'libgs-common'],
      debSrc: false,
    });
  });

  test('CHROMIUM_PATH names the browser instead of /usr/bin/chromium', () => {
    const look = { ...machine([]), env: { CHROMIUM_PATH: '/opt/chrome/chrome' } };
    expect(missing(look).packages).toEqual(['chromium']);
    expect(
      missing({ ...look, exists: (file: string) => file === '/opt/chrome/chrome' || FILES.has(file) })
        .packages,
    ).toEqual([]);
  });

  test('the AddressSanitizer runtime for the machine architecture', () => {
    expect(needs({}, 'arm64').find((need) => need.pkg === 'libclang-rt-14-dev')?.file).toMatch(
      /libclang_rt\.asan-aarch64\.a$/,
    );
  });

  test('no debian.sources (another layout): no edit proposed', () => {
    expect(missing(machine([], undefined)).debSrc).toBe(false);
  });
});

describe('what it does about it', () => {
  const colour = { packages: ['colord-data', 'libgs-common'], debSrc: false };

  test('ready: nothing to run, nothing printed', () => {
    expect(plan({ packages: [], debSrc: false }, { root: false, sudo: false, aptGet: true })).toEqual({
      action: 'ready',
    });
  });

  test('as root: apt-get, saying in one line what it installs', () => {
    expect(plan(colour, { root: true, sudo: false, aptGet: true })).toEqual({
      action: 'install',
      steps: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'colord-data', 'libgs-common'],
      ],
      message: 'provision: installing what the tests need: colord-data, libgs-common (apt-get)',
    });
  });

  test('with passwordless sudo: the same through sudo -n, deb-src enabled first', () => {
    const SUDO = ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive'];
    const decision = plan({ packages: ['njs'], debSrc: true }, { root: false, sudo: true, aptGet: true });
    expect(decision).toEqual({
      action: 'install',
      steps: [
        [...SUDO, 'sed', '-i', 's/^Types: deb$/Types: deb deb-src/', DEBIAN_SOURCES],
        [...SUDO, 'apt-get', 'update', '-qq'],
        [...SUDO, 'apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'njs'],
      ],
      message: `provision: installing what the tests need: njs, deb-src entries in ${DEBIAN_SOURCES} (apt-get through sudo)`,
    });
  });

  test('when it cannot install: stops with one line naming the exact command', () => {
    const decision = plan(colour, { root: false, sudo: false, aptGet: true });
    expect(decision).toEqual({
      action: 'stop',
      message:
        'provision: the tests need colord-data, libgs-common; install them with: sudo apt-get update -qq && ' +
        'sudo apt-get install -y -qq --no-install-recommends colord-data libgs-common',
    });
  });

  test('without apt-get (not Debian): the same line, saying they are Debian 12 packages', () => {
    const decision = plan({ packages: ['cmake'], debSrc: true }, { root: true, sudo: false, aptGet: false });
    expect(decision.action).toBe('stop');
    expect('message' in decision && decision.message).toBe(
      'provision: the tests need cmake, deb-src entries in /etc/apt/sources.list.d/debian.sources; install them ' +
        "(Debian 12 packages) with: sudo sed -i 's/^Types: deb$/Types: deb deb-src/' " +
        '/etc/apt/sources.list.d/debian.sources && sudo apt-get update -qq && sudo apt-get install -y -qq ' +
        '--no-install-recommends cmake',
    );
  });
});

test('commands are found on PATH without a shell', () => {
  expect(onPath(path.basename(process.execPath), path.dirname(process.execPath))).toBe(true);
  expect(onPath('edge-resizer-no-such-command', path.dirname(process.execPath))).toBe(false);
});

test('on this machine, provisioned by npm test, the script has nothing to do and says nothing', () => {
  expect(execFileSync(process.execPath, ['scripts/provision.mjs'], { encoding: 'utf8' })).toBe('');
});
