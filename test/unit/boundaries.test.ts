import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

// The core and the codecs run unchanged on every runtime: Web-standard types only.
function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => path.join(dir, name));
}

test.each(['src/core', 'src/codecs'])('%s imports no node:* module, no AWS type and no adapter', (dir) => {
  for (const file of sources(dir)) {
    const imports = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    for (const specifier of imports) {
      expect(specifier, file).not.toMatch(/^node:|aws-lambda|aws-sdk|\/adapters\//);
    }
  }
});

test('the built library carries no node:* import (dist/index.js and its chunks)', () => {
  const files = ['dist/index.js', ...readdirSync('dist/chunks').map((name) => `dist/chunks/${name}`)];
  for (const file of files)
    expect(readFileSync(file, 'utf8'), file).not.toMatch(/from\s*"node:|require\("node:|import\("node:/);
});
