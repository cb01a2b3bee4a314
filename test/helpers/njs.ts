/**
 * Runs a CloudFront Function's code under Debian's njs 0.7.9, the engine cloudfront-js-2.0 grew
 * from, on a batch of events: the function file is run unchanged, with a driver appended and a stub
 * `cloudfront` module (its key value store) beside it. One njs process per batch.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NjsOptions {
  /** The value of the key value store's `signing-secret`; absent: the key does not exist. */
  secret?: string;
  /** More key value store entries (`signing-secret-ID` for key ids), by key. */
  store?: Record<string, string>;
}

export async function runInNjs<R = unknown>(
  code: string,
  events: unknown[],
  options: NjsOptions = {},
): Promise<R[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-njs-'));
  try {
    const store: Record<string, string> = { ...options.store };
    if (options.secret !== undefined) store['signing-secret'] = options.secret;
    // `import cf from 'cloudfront'` resolves to a file of that name on njs's module path.
    writeFileSync(
      path.join(dir, 'cloudfront'),
      `export default { kvs: () => ({ get: async (key) => { const s = ${JSON.stringify(store)}; if (Object.prototype.hasOwnProperty.call(s, key)) return s[key]; throw new Error('key not found: ' + key); } }) };\n`,
    );
    writeFileSync(path.join(dir, 'events.json'), JSON.stringify(events));
    const driver = `
import fs from 'fs';
const __events = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'events.json'))}));
async function __main() {
  const out = [];
  for (let i = 0; i < __events.length; i++) {
    const result = await handler(__events[i]);
    out.push(result);
  }
  fs.writeFileSync(${JSON.stringify(path.join(dir, 'out.json'))}, JSON.stringify(out));
}
__main().catch((e) => fs.writeFileSync(${JSON.stringify(path.join(dir, 'error.txt'))}, String(e && e.stack || e)));
`;
    const main = path.join(dir, 'main.js');
    writeFileSync(main, `${code}\n${driver}`);
    await run('njs', ['-t', 'module', '-p', dir, main], { maxBuffer: 16 * 1024 * 1024 });
    let out: string;
    try {
      out = readFileSync(path.join(dir, 'out.json'), 'utf8');
    } catch {
      let error = 'no output';
      try {
        error = readFileSync(path.join(dir, 'error.txt'), 'utf8');
      } catch {}
      throw new Error(`njs: ${error}`);
    }
    return JSON.parse(out) as R[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs code that must fail to load in njs, returning njs's message (for the subset check). */
export async function njsSyntaxError(code: string): Promise<string | undefined> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-njs-'));
  try {
    writeFileSync(path.join(dir, 'main.js'), code);
    await run('njs', ['-t', 'module', path.join(dir, 'main.js')]);
    return undefined;
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
