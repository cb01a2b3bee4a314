import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { scene } from './helpers/images.js';

// The built CLI, as a user runs it (npm test builds dist/ first).
const CLI = path.resolve('dist/cli.js');
const run = promisify(execFile);

let dir: string;
let photo: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-cli-'));
  photo = path.join(dir, 'photo.jpg');
  writeFileSync(photo, await scene(1280, 853, 4).jpeg({ quality: 90 }).toBuffer());
});

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('resize writes a 640 px WebP', async () => {
  const out = path.join(dir, 'out.webp');
  const { code, stdout } = await cli('resize', photo, '-o', out, '--width', '640', '--format', 'webp');
  expect(code).toBe(0);
  expect(stdout).toMatch(/out\.webp: 640x427 webp/);
  const meta = await sharp(readFileSync(out)).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['webp', 640, 427]);
});

test('the output extension picks the format when --format is absent', async () => {
  const out = path.join(dir, 'out.png');
  expect(
    (await cli('resize', photo, '-o', out, '--width', '100', '--height', '100', '--fit', 'contain')).code,
  ).toBe(0);
  const meta = await sharp(readFileSync(out)).metadata();
  expect([meta.format, meta.width, meta.height]).toEqual(['png', 100, 100]);
});

describe('bad input: one line naming the problem, non-zero exit, no stack trace', () => {
  test.each([
    [
      ['--width', 'abc'],
      2,
      "edge-resizer: Expected integer between 1 and 16383 for width but received 'abc'",
    ],
    [['--quality', '0'], 2, "edge-resizer: Expected integer between 1 and 100 for quality but received '0'"],
    [
      ['--fit', 'crop'],
      2,
      "edge-resizer: Expected one of cover, contain, fill, inside, outside for fit but received 'crop'",
    ],
    [['--widht', '3'], 2, "edge-resizer: unknown option '--widht'"],
    [['--width'], 2, "edge-resizer: option '--width' needs a value"],
    [['--width', '--height', '4'], 2, "edge-resizer: option '--width' needs a value"],
    [
      ['--width', '5000'],
      1,
      'edge-resizer: PHOTO: Requested 5000xauto exceeds the original 1280x853: edge-resizer never enlarges; ask for a smaller size',
    ],
    [['--width', '-5'], 2, "edge-resizer: Expected integer between 1 and 16383 for width but received '-5'"],
    [['--width', '5', '--width', '6'], 2, "edge-resizer: option '--width' given more than once"],
    [['--width=5', '--width', '5'], 2, "edge-resizer: option '--width' given more than once"],
    [
      ['--width', '5', '--format', 'png'],
      2,
      "edge-resizer: --format png contradicts the output name 'x.jpg'",
    ],
  ])('%j', async (args, exit, line) => {
    const { code, stderr } = await cli('resize', photo, '-o', path.join(dir, 'x.jpg'), ...args);
    expect(code).toBe(exit);
    expect(stderr).toBe(`${line.replace('PHOTO', photo)}\n`);
  });

  test.each(['out.gif', 'out.bmp', 'out'])(
    'an output name we cannot write (%s) is refused before any work',
    async (name) => {
      const { code, stderr } = await cli('resize', photo, '-o', path.join(dir, name), '--width', '10');
      expect(code).toBe(2);
      expect(stderr).toBe(
        `edge-resizer: cannot tell the output format of '${name}': name it .jpg, .png, .webp or .avif, or pass --format\n`,
      );
    },
  );

  test('--format with a name without a known extension is fine', async () => {
    const { code } = await cli(
      'resize',
      photo,
      '-o',
      path.join(dir, 'thumb'),
      '--width',
      '10',
      '--format',
      'webp',
    );
    expect(code).toBe(0);
    expect((await sharp(readFileSync(path.join(dir, 'thumb'))).metadata()).format).toBe('webp');
  });

  test.each(['resize', 'serve', 'replay', 'sign'])(
    '%s --help says what the command does, exit 0',
    async (command) => {
      const { code, stdout } = await cli(command, '--help');
      expect(code).toBe(0);
      expect(stdout).toMatch(new RegExp(`^edge-resizer ${command} `));
    },
  );

  test('SVG is named, and said not to be resizable', async () => {
    const svg = path.join(dir, 'logo.svg');
    writeFileSync(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    const { code, stderr } = await cli('resize', svg, '-o', path.join(dir, 'z.png'), '--width', '5');
    expect(code).toBe(1);
    expect(stderr).toBe(`edge-resizer: ${svg}: SVG input cannot be resized\n`);
  });

  test('a static GIF and an AVIF are resized (formats from the extension)', async () => {
    const gif = path.join(dir, 'small.gif');
    writeFileSync(gif, await scene(120, 80).gif().toBuffer());
    expect((await cli('resize', gif, '-o', path.join(dir, 'g.png'), '--width', '60')).code).toBe(0);
    expect((await sharp(readFileSync(path.join(dir, 'g.png'))).metadata()).width).toBe(60);
    expect((await cli('resize', photo, '-o', path.join(dir, 'p.avif'), '--width', '60')).code).toBe(0);
    expect((await sharp(readFileSync(path.join(dir, 'p.avif'))).metadata()).format).toBe('heif');
  });

  test.each([
    [['resize', 'missing.jpg', '-o', 'x.jpg'], 1, 'edge-resizer: cannot read missing.jpg: ENOENT'],
    [['resize', 'only-input.jpg'], 2, 'edge-resizer: resize takes IN and -o OUT'],
    [['shrink'], 2, "edge-resizer: unknown command 'shrink' (resize, serve, replay, sign)"],
    [['serve', '.', '--port', 'http'], 2, "edge-resizer: invalid port 'http'"],
  ])('%j', async (args, exit, line) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(exit);
    expect(stderr).toBe(`${line}\n`);
  });

  test('a file that is not an image', async () => {
    const text = path.join(dir, 'notes.jpg');
    writeFileSync(text, 'hello');
    const { code, stderr } = await cli('resize', text, '-o', path.join(dir, 'y.jpg'), '--width', '10');
    expect(code).toBe(1);
    expect(stderr).toBe(
      `edge-resizer: ${text}: Unrecognised image format: not a JPEG, PNG, WebP, GIF or AVIF image\n`,
    );
  });
});

test('--version names the package version and every codec with its pinned Debian source version', async () => {
  const { code, stdout } = await cli('--version');
  expect(code).toBe(0);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  expect(stdout.split('\n')[0]).toBe(`edge-resizer ${pkg.version}`);
  const pinned = JSON.parse(readFileSync('wasm/debian/sources.json', 'utf8')) as Record<
    string,
    { version: string }
  >;
  for (const [name, { version }] of Object.entries(pinned)) expect(stdout, name).toContain(version);
});

describe('a folder in, a folder out', () => {
  test('every image below the folder, same paths, progress per file; what cannot be resized is skipped', async () => {
    const input = path.join(dir, 'album');
    const nested = path.join(input, 'trip');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(input, 'a.jpg'), await scene(400, 300).jpeg().toBuffer());
    writeFileSync(path.join(nested, 'b.png'), await scene(300, 300).png().toBuffer());
    writeFileSync(path.join(nested, 'c.gif'), await scene(200, 100).gif().toBuffer());
    writeFileSync(path.join(input, 'notes.txt'), 'not an image');
    writeFileSync(path.join(input, '.hidden.jpg'), await scene(100, 100).jpeg().toBuffer());
    const output = path.join(dir, 'album-small');
    const { code, stdout, stderr } = await cli('resize', input, '-o', output, '--width', '100');
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^\[1\/4\] a\.jpg -> .*a\.jpg: 100x75 jpeg, [\d.]+ KiB$/);
    expect(lines[1]).toMatch(/^\[2\/4\] notes\.txt: skipped, Unrecognised image format/);
    expect(lines[2]).toMatch(/^\[3\/4\] trip\/b\.png -> .*trip\/b\.png: 100x100 png/);
    expect(lines[3]).toMatch(/^\[4\/4\] trip\/c\.gif -> .*trip\/c\.png: 100x50 png/);
    expect(lines[4]).toBe('edge-resizer: 1 of 4 files could not be resized (see above)');
    expect(stdout.trim()).toBe(`3 of 4 images written to ${output}`);
    expect((await sharp(readFileSync(path.join(output, 'trip', 'c.png'))).metadata()).width).toBe(100);

    const webp = path.join(dir, 'album-webp');
    await cli('resize', path.join(input, 'trip'), '-o', webp, '--width', '50', '--format', 'webp');
    expect((await sharp(readFileSync(path.join(webp, 'b.webp'))).metadata()).format).toBe('webp');
  });
});
