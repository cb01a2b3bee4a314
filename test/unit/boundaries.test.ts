import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { expect, test } from 'vitest';

// The core and the codecs run unchanged on every runtime: Web-standard types only. esbuild's own
// import graph is the witness (static, bare, dynamic and require imports alike), not a regex.
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
    .map((name) => path.join(dir, name));
}

async function importsOf(dirs: string[]) {
  const { metafile } = await esbuild.build({
    entryPoints: dirs.flatMap(sources),
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'esm',
    platform: 'neutral',
    packages: 'external',
    external: ['node:*'],
    loader: { '.wasm': 'binary' },
    metafile: true,
    logLevel: 'silent',
  });
  return Object.entries(metafile.inputs).flatMap(([file, input]) =>
    input.imports.map((imported) => ({ file, path: imported.path, kind: imported.kind })),
  );
}

test('src/core and src/codecs import no node:* module, no AWS package and no adapter', async () => {
  const imports = await importsOf(['src/core', 'src/codecs']);
  expect(imports.length).toBeGreaterThan(30); // the graph was read
  const inside = imports.filter(({ file }) => /^src\/(core|codecs)\//.test(file));
  for (const { file, path: specifier } of inside) {
    expect(specifier, file).not.toMatch(
      /^node:|^(fs|path|crypto|os|buffer|url|util)$|aws-lambda|aws-sdk|@aws-|\/adapters\//,
    );
  }
});

test('the witness catches every kind of import', async () => {
  // A throwaway module with each form an import can take, checked the same way.
  const dir = path.join('node_modules', '.cache', 'boundaries-probe');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'probe.ts'),
    `import "node:fs";\nimport { x } from "../adapters/y.js";\nexport const p = import('node:path');\nexport const q = x;\n`,
  );
  writeFileSync(path.join(dir, 'y.ts'), 'export const x = 1;');
  const { metafile } = await esbuild.build({
    entryPoints: [path.join(dir, 'probe.ts')],
    bundle: true,
    write: false,
    outdir: 'out',
    platform: 'neutral',
    external: ['node:*', '../adapters/*'],
    metafile: true,
    logLevel: 'silent',
  });
  const found = Object.values(metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
  expect(found).toEqual(expect.arrayContaining(['node:fs', 'node:path', '../adapters/y.js']));
});

test('the built library carries no node:* import but the guarded .wasm reader (dist/index.js and its chunks)', () => {
  const files = [
    'dist/index.js',
    'dist/fetch.js',
    ...readdirSync('dist')
      .filter((name) => /^chunk-.*\.js$/.test(name))
      .map((name) => `dist/${name}`),
  ];
  // The one allowed: WebAssembly beside the module is read with node:fs only when it was loaded from
  // a file: URL (scripts/edge-bundle.mjs); over HTTP it is fetched.
  const reader = /\.protocol\s*===\s*"file:"\s*\?\s*import\("node:fs\/promises"\)/g;
  let readers = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    readers += (text.match(reader) ?? []).length;
    expect(text.replace(reader, ''), file).not.toMatch(
      /from\s*["']node:|require\(["']node:|import\(["']node:|import\s*["']node:/,
    );
  }
  expect(readers).toBe(2); // AVIF's encoder and decoder, the only modules not embedded
});

test('a stale dist/ is rebuilt before the bundle tests run (test/global-setup.ts)', async () => {
  const { isStale } = await import('../global-setup.js');
  expect(isStale()).toBe(false); // the setup ran: dist/ is newer than every source
});
