/**
 * Every command in the README's shell blocks is run here, as written (in a scratch folder holding the
 * files the examples name), or, where it needs an AWS account, checked by its equivalent: the script
 * it calls exists and does what the README says, the stack outputs it reads are the ones the
 * template declares. A command added to the README without a check here fails this test.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, expect, test } from 'vitest';

const root = path.resolve('.');
const CLI = path.join(root, 'dist/cli.js');
const run = promisify(execFile);

/** The commands of the README's ```sh blocks: comments dropped, one entry per line. */
function readmeCommands(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

let work: string;
let template: Promise<{ Outputs: Record<string, unknown> }> | undefined;

/** `npm run synth` offline into a scratch folder (deployables there too: dist/ is left alone). */
async function synthesized() {
  const out = mkdtempSync(path.join(tmpdir(), 'edge-resizer-readme-synth-'));
  await run(process.execPath, ['scripts/synth.mjs', '--dist', path.join(out, 'dist')], {
    env: { ...process.env, CDK_OUTDIR: path.join(out, 'cdk.out') },
  });
  return JSON.parse(readFileSync(path.join(out, 'cdk.out', 'EdgeResizer.template.json'), 'utf8'));
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'edge-resizer-readme-'));
  cpSync('samples/landscape.jpg', path.join(work, 'photo.jpg'));
  cpSync('samples', path.join(work, 'images'), { recursive: true });
});

/** `npx edge-resizer ARGS` run as the built CLI in the scratch folder. */
function edgeResizer(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [CLI, ...args], { cwd: work, env: { ...process.env, ...env } });
}

/** Starts `serve` (port 0 instead of the README's fixed one) and resolves with its base URL. */
function serve(args: string[], cwd = work): Promise<{ base: string; stop: () => void }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /on (http:\/\/\S+)/.exec(out);
      if (match) resolve({ base: match[1] as string, stop: () => child.kill() });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** Splits a command line into words, honouring single and double quotes (no expansions). */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? (m[3] as string));
}

const checks: [RegExp, (line: string) => Promise<void>][] = [
  [
    /^npm install && npm start$/,
    async () => {
      const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
      expect(pkg.scripts.start).toBe('node scripts/build.mjs --quiet && node dist/cli.js serve samples');
      const server = await serve(['samples', '--port', '0'], root);
      try {
        const page = await (await fetch(`${server.base}/`)).text();
        expect(page).toContain('id="playground"');
      } finally {
        server.stop();
      }
    },
  ],
  [
    /^curl -o out\.jpg 'http:\/\/localhost:3000\/landscape\.jpg\?width=300'$/,
    async (line) => {
      const server = await serve(['samples', '--port', '0'], root);
      try {
        const args = words(line).slice(1);
        args[2] = (args[2] as string).replace('http://localhost:3000', server.base);
        await run('curl', ['-sf', ...args], { cwd: work });
        expect((await sharp(path.join(work, 'out.jpg')).metadata()).width).toBe(300);
      } finally {
        server.stop();
      }
    },
  ],
  [
    /^npm test$/,
    async () => {
      // This suite is what it runs, after provisioning what it needs (test/unit/provision.test.ts).
      expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.test).toContain('vitest run');
      expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.test).toMatch(
        /^node scripts\/provision\.mjs && /,
      );
    },
  ],
  [
    /^npx edge-resizer resize /,
    async (line) => {
      const args = words(line).slice(2);
      const output = args[args.indexOf('-o') + 1] as string;
      const width = Number(args[args.indexOf('--width') + 1]);
      if (args[1]?.startsWith('./')) {
        // A folder (a copy of samples/): every image handled, exit 0; the SVG copied as it is, the
        // GIF, narrower than the width, written at its own size (never enlarged), the four others at
        // the width.
        const small = (await sharp('samples/small.gif').metadata()).width as number;
        expect(small).toBeLessThan(width);
        const { stdout } = await edgeResizer(args);
        expect(stdout).toBe(`${output}: 5 resized, 1 copied, 0 skipped of 6 files\n`);
        const written = readdirSync(path.join(work, output));
        expect(written.sort()).toEqual([
          'badge-alpha.webp',
          'landscape.webp',
          'portrait-exif6.webp',
          'small.webp',
          'tiles.webp',
          'vector.svg',
        ]);
        for (const name of written.filter((file) => file.endsWith('.webp'))) {
          const meta = await sharp(path.join(work, output, name)).metadata();
          expect([meta.format, meta.width], name).toEqual(['webp', name === 'small.webp' ? small : width]);
        }
        return;
      }
      const config = args.indexOf('--config');
      if (config !== -1) {
        // The file's limits apply: a cap below the width is refused, a cap above it is served.
        const file = path.join(work, args[config + 1] as string);
        writeFileSync(file, JSON.stringify({ limits: { maxOutputDimension: width - 1 } }));
        await expect(edgeResizer(args)).rejects.toMatchObject({ code: 2 });
        writeFileSync(
          file,
          JSON.stringify({ limits: { maxOutputDimension: width, maxInputPixels: 40_000_000 } }),
        );
      }
      await edgeResizer(args);
      const meta = await sharp(path.join(work, output)).metadata();
      expect(meta.width).toBe(width);
    },
  ],
  [
    /^npx edge-resizer serve /,
    async (line) => {
      const args = words(line).slice(3);
      args[args.indexOf('--port') + 1] = '0';
      const server = await serve(args);
      try {
        const response = await fetch(`${server.base}/landscape.jpg?width=100`);
        expect(response.status).toBe(200);
      } finally {
        server.stop();
      }
    },
  ],
  [
    /^EDGE_RESIZER_SECRET=\S+ npx edge-resizer sign /,
    async (line) => {
      const [assignment, , , ...args] = words(line);
      const secret = (assignment as string).split('=')[1] as string;
      const { stdout } = await edgeResizer(args, { EDGE_RESIZER_SECRET: secret });
      expect(stdout.trim()).toMatch(/^\/photos\/cat\.jpg\?width=500&sig=[\w-]{43}$/);
    },
  ],
  [
    /^npm pack$/,
    async () => {
      // test/package.test.ts packs the tarball and installs it into an empty project.
      expect(readFileSync('test/package.test.ts', 'utf8')).toContain("'pack'");
    },
  ],
  [
    /^npm install \.\.\/edge-resizer\/edge-resizer-([\d.]+)\.tgz$/,
    async (line) => {
      const version = (/edge-resizer-([\d.]+)\.tgz/.exec(line) as RegExpExecArray)[1];
      expect(version).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
    },
  ],
  [
    /^npx cdk bootstrap aws:\/\/ACCOUNT-ID\/us-east-1$/,
    async () => {
      expect(existsSync('node_modules/aws-cdk/bin/cdk')).toBe(true);
    },
  ],
  [
    /^npm run deploy$/,
    async () => {
      expect(JSON.parse(readFileSync('package.json', 'utf8')).scripts.deploy).toBe('node scripts/deploy.mjs');
      expect(readFileSync('scripts/deploy.mjs', 'utf8')).toContain("'--outputs-file', 'cdk-outputs.json'");
    },
  ],
  [
    /^(BUCKET|URL)=\$\(node -p "(.*)"\)$/,
    async (line) => {
      // The outputs the template declares, under the default stack name, as cdk writes them.
      template ??= synthesized();
      const outputs = Object.fromEntries(
        Object.keys((await template).Outputs).map((key) => [key, `value-of-${key}`]),
      );
      writeFileSync(path.join(work, 'cdk-outputs.json'), JSON.stringify({ EdgeResizer: outputs }));
      const expression = (/node -p "(.*)"\)$/.exec(line) as RegExpExecArray)[1] as string;
      const { stdout } = await run(process.execPath, ['-p', expression], { cwd: work });
      expect(stdout.trim()).toMatch(/^value-of-(BucketName|Url)$/);
    },
  ],
  [
    /^aws s3 cp samples\/landscape\.jpg "s3:\/\/\$BUCKET\/photos\/landscape\.jpg"$/,
    async (line) => {
      expect(existsSync('samples/landscape.jpg')).toBe(true);
      await run('bash', ['-n', '-c', line]);
    },
  ],
  [
    /^curl -sI "\$URL\/photos\/landscape\.jpg\?width=500&height=300"$/,
    async (line) => {
      await run('bash', ['-n', '-c', line]);
    },
  ],
  [
    /^npx edge-resizer replay /,
    async (line) => {
      const { stdout } = await run(process.execPath, [CLI, ...words(line).slice(2)], { cwd: root });
      if (!line.includes('--json')) {
        expect(stdout).toMatch(/^200 OK: resized, image\/\w+, \d+ bytes, \d+x\d+\n$/);
        return;
      }
      const result = JSON.parse(stdout);
      expect(result.status).toBe('200');
      expect(result.headers['content-type'][0].value).toMatch(/^image\//);
    },
  ],
];

const commands = readmeCommands();

test('the README has commands, and each has a check', () => {
  expect(commands.length).toBeGreaterThan(10);
  const unchecked = commands.filter((line) => !checks.some(([pattern]) => pattern.test(line)));
  expect(unchecked).toEqual([]);
});

test.each(commands)(
  '%s',
  async (line) => {
    const check = checks.find(([pattern]) => pattern.test(line));
    if (!check) throw new Error(`no check for: ${line}`);
    await check[1](line);
  },
  60_000,
);
