import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { scene } from './helpers/images.js';

// A project that depends on edge-resizer: the packed tarball (what npm publishes) installed into a
// fresh folder, imported from plain JavaScript and type-checked from TypeScript.
let app: string;

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), 'edge-resizer-consumer-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { stdio: 'pipe' });
  const tarball = readdirSync(app).find((name) => name.endsWith('.tgz')) as string;
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', type: 'module', private: true }),
  );
  // As the README says: npm install of the tarball, offline (it has no dependencies to fetch).
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `./${tarball}`], {
    cwd: app,
    stdio: 'pipe',
  });
  writeFileSync(path.join(app, 'photo.jpg'), await scene(400, 300).jpeg().toBuffer());
}, 120_000);

test('the package holds only dist and the manifest, with no runtime dependencies', () => {
  const listing = execFileSync('tar', [
    'tzf',
    path.join(app, readdirSync(app).find((n) => n.endsWith('.tgz')) as string),
  ])
    .toString()
    .trim()
    .split('\n');
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
  for (const file of listing.filter((f) => /\.m?js$/.test(f))) {
    const text = readFileSync(
      path.join(app, 'node_modules', 'edge-resizer', file.replace(/^package\//, '')),
      'utf8',
    );
    for (const m of text.matchAll(/(?:from\s*|import\s*\(?\s*)["']([^"']+)["']/g)) {
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
