import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { scene } from './helpers/images.js';

// A project that depends on edge-resizer: the tarball `npm pack` makes in a clone (what npm
// publishes), installed into fresh folders, an ES module project and a CommonJS one as `npm init -y`
// makes it, used from plain JavaScript and type-checked from TypeScript.
let app: string;
let cjsApp: string;
let clone: string;
const installs: { app: string; output: string }[] = [];

/** npm install of the tarball, as the README says, offline (it has no dependencies to fetch). */
function install(dir: string, tarball: string): void {
  const run = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`npm install failed in ${dir}: ${run.stderr}`);
  installs.push({ app: dir, output: `${run.stdout}${run.stderr}` });
}

beforeAll(async () => {
  // A copy of the clone's files (tracked and new, not ignored) with its node_modules, so that the
  // pack runs its real prepack (a build) and postpack without rewriting this checkout's dist/ while
  // other suites read it.
  clone = mkdtempSync(path.join(tmpdir(), 'edge-resizer-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    .toString()
    .split('\0')
    // node_modules/ is ignored as a folder; a symlinked one (a worktree's) would be listed.
    .filter((file) => file && file !== 'node_modules');
  for (const file of files) {
    mkdirSync(path.join(clone, path.dirname(file)), { recursive: true });
    cpSync(file, path.join(clone, file));
  }
  symlinkSync(path.resolve('node_modules'), path.join(clone, 'node_modules'));
  app = mkdtempSync(path.join(tmpdir(), 'edge-resizer-consumer-'));
  execFileSync('npm', ['pack', '--silent', '--pack-destination', app], { cwd: clone, stdio: 'pipe' });
  const tarball = readdirSync(app).find((name) => name.endsWith('.tgz')) as string;
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', type: 'module', private: true }),
  );
  install(app, `./${tarball}`);
  writeFileSync(path.join(app, 'photo.jpg'), await scene(400, 300).jpeg().toBuffer());
  cjsApp = mkdtempSync(path.join(tmpdir(), 'edge-resizer-cjs-'));
  execFileSync('npm', ['init', '-y'], { cwd: cjsApp, stdio: 'pipe' });
  install(cjsApp, path.join(app, tarball));
  writeFileSync(path.join(cjsApp, 'photo.jpg'), await scene(400, 300).jpeg().toBuffer());
}, 180_000);

test('installing the tarball prints no warning (no install script of its own to allow)', () => {
  for (const { app, output } of installs) {
    expect(output, app).not.toMatch(/npm warn/i);
    expect(output, app).toMatch(/added 1 package/);
  }
});

test('npm pack leaves the clone as it was: package.json restored, prepare still there for git installs', () => {
  expect(readFileSync(path.join(clone, 'package.json'), 'utf8')).toBe(readFileSync('package.json', 'utf8'));
  expect(readdirSync(clone)).not.toContain('.package.json.prepack');
  const packed = JSON.parse(readFileSync(path.join(app, 'node_modules/edge-resizer/package.json'), 'utf8'));
  expect(packed.scripts).toBeUndefined();
  expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.prepare).toMatch(/build\.mjs/);
});

test("require('edge-resizer') works from a CommonJS project, AVIF's lazily read WebAssembly included", () => {
  expect(JSON.parse(readFileSync(path.join(cjsApp, 'package.json'), 'utf8')).type).not.toBe('module');
  writeFileSync(
    path.join(cjsApp, 'index.js'),
    `const { readFileSync } = require('node:fs');
const { transform, ResizerError } = require('edge-resizer');
const { createFetchHandler } = require('edge-resizer/fetch');
(async () => {
  const photo = readFileSync('photo.jpg');
  const webp = await transform(photo, { width: 200, format: 'webp' });
  const avif = await transform(photo, { width: 100, format: 'avif' }, { config: { formats: { avif: true } } });
  const back = await transform(avif.data, { width: 50, format: 'png' });
  console.log(JSON.stringify([webp, avif, back].map((r) => [r.format, r.width, r.height])));
  await transform(photo, { width: 100 }, { config: { alowedWidths: [1] } }).catch((e) =>
    console.log(e instanceof ResizerError, e.code, e.message),
  );
  console.log(typeof createFetchHandler);
})();`,
  );
  const output = execFileSync(process.execPath, ['index.js'], { cwd: cjsApp }).toString().trim().split('\n');
  expect(JSON.parse(output[0] as string)).toEqual([
    ['webp', 200, 150],
    ['avif', 100, 75],
    ['png', 50, 38],
  ]);
  expect(output[1]).toBe('true invalid-config Invalid configuration: unknown field alowedWidths');
  expect(output[2]).toBe('function');
});

test('its types check for a CommonJS TypeScript project too', () => {
  writeFileSync(
    path.join(cjsApp, 'check.cts'),
    `import edge = require('edge-resizer');
export async function small(bytes: Uint8Array): Promise<edge.TransformResult> {
  return edge.transform(bytes, { width: 100 }, { config: { formats: { avif: true } } });
}`,
  );
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  execFileSync(process.execPath, [tsc, ...args, '--target', 'es2022', 'check.cts'], {
    cwd: cjsApp,
    stdio: 'pipe',
  });
});

test('the package holds only dist and the manifest, with no runtime dependencies', () => {
  const listing = execFileSync('tar', [
    'tzf',
    path.join(app, readdirSync(app).find((n) => n.endsWith('.tgz')) as string),
  ])
    .toString()
    .trim()
    .split('\n');
  expect(listing).toContain('package/dist/index.cjs');
  expect(listing.every((file) => /^package\/(dist\/|package\.json$|README\.md$|LICENSE$)/.test(file))).toBe(
    true,
  );
  // What npm would install with it: nothing. Every codec and helper is bundled into dist/.
  const manifest = JSON.parse(
    execFileSync('tar', [
      'xzOf',
      path.join(app, readdirSync(app).find((n) => n.endsWith('.tgz')) as string),
      'package/package.json',
    ]).toString(),
  );
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies']) {
    expect(manifest[field], field).toBeUndefined();
  }
  // And the built files import nothing but node: built-ins and each other.
  const bare = new Set<string>();
  for (const file of listing.filter((f) => /\.[mc]?js$/.test(f))) {
    const text = readFileSync(
      path.join(app, 'node_modules', 'edge-resizer', file.replace(/^package\//, '')),
      'utf8',
    );
    for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*|require\(\s*)["']([^"']+)["']/g)) {
      const specifier = m[1] as string;
      if (!specifier.startsWith('.') && !specifier.startsWith('node:')) bare.add(specifier);
    }
  }
  expect([...bare]).toEqual([]);
});

test("import { transform } from 'edge-resizer' works from a dependent project", () => {
  writeFileSync(
    path.join(app, 'main.js'),
    `import { readFileSync } from 'node:fs';
import { transform, parseQuery } from 'edge-resizer';
const parsed = parseQuery('width=200&format=webp');
const result = await transform(readFileSync('photo.jpg'), parsed.options);
console.log(JSON.stringify({ format: result.format, width: result.width, height: result.height, bytes: result.data.length }));
try { await transform(new Uint8Array(8), { width: 1 }); } catch (error) { console.log(error.code); }`,
  );
  const output = execFileSync(process.execPath, ['main.js'], { cwd: app }).toString().trim().split('\n');
  expect(JSON.parse(output[0] as string)).toMatchObject({ format: 'webp', width: 200, height: 150 });
  expect(output[1]).toBe('unsupported-input');
});

test('npx edge-resizer works from the dependent project: --version, and a resize to AVIF', () => {
  const npx = (...args: string[]) =>
    execFileSync('npx', ['--no-install', 'edge-resizer', ...args], { cwd: app }).toString();
  expect(npx('--version').split('\n')[0]).toBe(
    `edge-resizer ${JSON.parse(readFileSync('package.json', 'utf8')).version}`,
  );
  expect(npx('resize', 'photo.jpg', '-o', 'small.avif', '--width', '100')).toMatch(
    /^small\.avif: 100x75 avif/,
  );
});

test('the tarball holds the library only: no deployables, no duplicate WebAssembly', () => {
  const listing = execFileSync('tar', [
    'tzf',
    path.join(app, readdirSync(app).find((n) => n.endsWith('.tgz')) as string),
  ]).toString();
  expect(listing).not.toMatch(/dist\/(lambda-edge|workers|cloudfront)\//);
  expect(listing).toMatch(/dist\/avif-encode\.wasm/);
});

test('its types check in a strict NodeNext TypeScript project', () => {
  writeFileSync(
    path.join(app, 'check.ts'),
    `import { transform, type TransformResult, type ErrorCode, ResizerError } from 'edge-resizer';
export async function small(bytes: Uint8Array): Promise<TransformResult> {
  return transform(bytes, { width: 100, fit: 'inside', format: 'auto' }, { accept: 'image/webp' });
}
export const code: ErrorCode = new ResizerError('upscale', 'x').code;`,
  );
  const tsc = path.resolve('node_modules/typescript/bin/tsc');
  const args = [
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
  ];
  execFileSync(process.execPath, [tsc, ...args, 'check.ts'], { cwd: app, stdio: 'pipe' });
});

/** The README's Library snippet, with the `bytes` and `accept` it assumes, printing what it got. */
function readmeSnippet(): { esm: string; cjs: string } {
  const readme = readFileSync('README.md', 'utf8');
  const library = readme.slice(readme.indexOf('\nLibrary'));
  const code = (/```ts\n([\s\S]*?)```/.exec(library) as RegExpExecArray)[1] as string;
  const [importLine, ...body] = code.split('\n');
  const require = (/\/\/ or: (.*)$/.exec(importLine as string) as RegExpExecArray)[1] as string;
  const photo = JSON.stringify(path.resolve('samples/landscape.jpg'));
  const prelude = `const bytes = readFileSync(${photo}); const accept = 'image/webp,*/*';`;
  const report = 'console.log(JSON.stringify({ format, width, height, bytes: data.length }));';
  return {
    esm: `import { readFileSync } from 'node:fs';\n${importLine}\n${prelude}\n${body.join('\n')}\n${report}\n`,
    cjs: `const { readFileSync } = require('node:fs');\n${require}\n(async () => {\n${prelude}\n${body.join('\n')}\n${report}\n})();\n`,
  };
}

test("the README's Library snippet runs as written, imported and required", () => {
  const { esm, cjs } = readmeSnippet();
  writeFileSync(path.join(app, 'readme.js'), esm);
  writeFileSync(path.join(cjsApp, 'readme.js'), cjs);
  for (const dir of [app, cjsApp]) {
    const output = execFileSync(process.execPath, ['readme.js'], { cwd: dir }).toString();
    expect(JSON.parse(output), dir).toMatchObject({ format: 'avif', width: 500, height: 300 });
  }
});
