import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { beforeAll, describe, expect, test } from 'vitest';
import { forbidden } from '../src/adapters/cloudfront-function/forbidden.js';
import { summarise } from '../src/adapters/node/replay.js';
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
    [['--width', 'abc'], 2, "edge-resizer: Expected integer between 1 and 8192 for width but received 'abc'"],
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
    [['--width', '-5'], 2, "edge-resizer: Expected integer between 1 and 8192 for width but received '-5'"],
    // The bound is the output cap that decides, not the URL grammar's 16383.
    [
      ['--width', '9000'],
      2,
      "edge-resizer: Expected integer between 1 and 8192 for width but received '9000'",
    ],
    [
      ['--height', '8193'],
      2,
      "edge-resizer: Expected integer between 1 and 8192 for height but received '8193'",
    ],
    // GIF is an input format, not an output one: that is the problem, not the name.
    [
      ['--width', '5', '--format', 'gif'],
      2,
      'edge-resizer: --format gif: GIF is read but not written; choose jpeg, png, webp or avif',
    ],
    [
      ['--format', 'bmp'],
      2,
      "edge-resizer: Expected one of jpeg, png, webp, avif, auto for format but received 'bmp'",
    ],
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
    [['resize', '../missing.jpg', '-o', 'x.jpg'], 1, 'edge-resizer: ../missing.jpg: no such file'],
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
    expect(stderr).toBe(`edge-resizer: ${text}: not an image: not a JPEG, PNG, WebP, GIF or AVIF file\n`);
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
  let input: string;
  beforeAll(async () => {
    input = path.join(dir, 'album');
    const nested = path.join(input, 'trip');
    mkdirSync(nested, { recursive: true });
    writeFileSync(path.join(input, 'a.jpg'), await scene(400, 300).jpeg().toBuffer());
    writeFileSync(path.join(nested, 'b.png'), await scene(300, 300).png().toBuffer());
    writeFileSync(path.join(nested, 'c.gif'), await scene(200, 100).gif().toBuffer());
    writeFileSync(path.join(input, 'icon.png'), await scene(60, 40).png().toBuffer());
    writeFileSync(
      path.join(input, 'logo.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>',
    );
    writeFileSync(path.join(input, 'notes.txt'), 'not an image');
    writeFileSync(path.join(input, '.hidden.jpg'), await scene(100, 100).jpeg().toBuffer());
  });

  test('every image below the folder, same paths, progress per file; what is not resized is said, exit 0', async () => {
    const output = path.join(dir, 'album-small');
    const { code, stdout, stderr } = await cli('resize', input, '-o', output, '--width', '100');
    expect(code).toBe(0);
    const lines = stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^\[1\/6\] a\.jpg -> .*a\.jpg: 100x75 jpeg, [\d.]+ KiB$/);
    // Smaller than the width: its own size, re-encoded (sharp's withoutEnlargement), never left out.
    expect(lines[1]).toMatch(
      /^\[2\/6\] icon\.png -> .*icon\.png: 60x40 png, [\d.]+ KiB \(smaller than asked: its own size\)$/,
    );
    expect(lines[2]).toMatch(/^\[3\/6\] logo\.svg -> .*logo\.svg: copied, SVG is served as it is$/);
    expect(lines[3]).toBe('[4/6] notes.txt: skipped, not an image (not JPEG, PNG, WebP, GIF or AVIF)');
    expect(lines[4]).toMatch(/^\[5\/6\] trip\/b\.png -> .*trip\/b\.png: 100x100 png/);
    expect(lines[5]).toMatch(/^\[6\/6\] trip\/c\.gif -> .*trip\/c\.png: 100x50 png/);
    expect(lines).toHaveLength(6);
    expect(stdout.trim()).toBe(`${output}: 4 resized, 1 copied, 1 skipped of 6 files`);
    expect((await sharp(readFileSync(path.join(output, 'trip', 'c.png'))).metadata()).width).toBe(100);
    const icon = await sharp(readFileSync(path.join(output, 'icon.png'))).metadata();
    expect([icon.format, icon.width, icon.height]).toEqual(['png', 60, 40]);
    expect(readFileSync(path.join(output, 'logo.svg'), 'utf8')).toContain('<svg');
    expect(existsSync(path.join(output, 'notes.txt'))).toBe(false);

    const webp = path.join(dir, 'album-webp');
    await cli('resize', path.join(input, 'trip'), '-o', webp, '--width', '50', '--format', 'webp');
    expect((await sharp(readFileSync(path.join(webp, 'b.webp'))).metadata()).format).toBe('webp');
  });

  test('a smaller image in the asked format at its own size, or copied with --smaller copy', async () => {
    const webp = path.join(dir, 'album-webp-300');
    expect((await cli('resize', input, '-o', webp, '--width', '300', '--format', 'webp')).code).toBe(0);
    const icon = await sharp(readFileSync(path.join(webp, 'icon.webp'))).metadata();
    expect([icon.format, icon.width, icon.height]).toEqual(['webp', 60, 40]);

    const copied = path.join(dir, 'album-copy');
    const { code, stderr } = await cli('resize', input, '-o', copied, '--width', '300', '--smaller', 'copy');
    expect(code).toBe(0);
    expect(stderr).toMatch(/icon\.png -> .*icon\.png: copied, smaller than asked \(60x40\)\n/);
    expect(readFileSync(path.join(copied, 'icon.png'))).toEqual(readFileSync(path.join(input, 'icon.png')));
    expect((await cli('resize', input, '-o', copied, '--smaller', 'keep')).stderr).toBe(
      "edge-resizer: Expected one of encode, copy for --smaller but received 'keep'\n",
    );
  });

  test('an image that cannot be read or decoded is a failure: exit 1, the rest still written', async () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'good.jpg'), await scene(200, 100).jpeg().toBuffer());
    writeFileSync(path.join(broken, 'cut.jpg'), (await scene(200, 100).jpeg().toBuffer()).subarray(0, 300));
    const output = path.join(dir, 'broken-out');
    const { code, stdout, stderr } = await cli('resize', broken, '-o', output, '--width', '50');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^\[1\/2\] cut\.jpg: failed, /);
    expect(stderr).toMatch(/\nedge-resizer: 1 of 2 images could not be resized \(see above\)\n$/);
    expect(stdout.trim()).toBe(`${output}: 1 resized, 0 copied, 0 skipped, 1 failed of 2 files`);
    expect(existsSync(path.join(output, 'good.jpg'))).toBe(true);
  });

  test.each([
    ['single.jpg', 'names an image file'],
    ['photo.jpg', 'is a file'],
  ])(
    'a file path as the output of a folder (%s) is refused in one line, nothing created',
    async (name, why) => {
      const target = path.join(dir, name);
      const { code, stderr } = await cli('resize', input, '-o', target, '--width', '50');
      expect(code).toBe(2);
      expect(stderr).toBe(
        `edge-resizer: -o ${target} ${why}: the images of the folder ${input} go to a folder\n`,
      );
      if (name === 'single.jpg') expect(existsSync(target)).toBe(false);
    },
  );
});

describe('resize --config: the configuration file of serve and replay', () => {
  // 36 MP, over the 25 MP default: flat, so the PNG is small and decodes quickly.
  let big: string;
  beforeAll(async () => {
    big = path.join(dir, 'big.png');
    const flat = { width: 7200, height: 5000, channels: 3 as const, background: '#3a6' };
    writeFileSync(big, await sharp({ create: flat }).png({ compressionLevel: 1 }).toBuffer());
  });

  test('a 36 MP PNG is refused with the default limits, naming what to raise', async () => {
    const { code, stderr } = await cli(
      'resize',
      big,
      '-o',
      path.join(dir, 'big-small.png'),
      '--width',
      '100',
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      `edge-resizer: ${big}: Input is 7200x5000, over the 25000000 pixel limit: raise "limits" in a configuration file and pass --config FILE\n`,
    );
  });

  test('and resized with the limits raised in the file', async () => {
    const file = path.join(dir, 'big.config.json');
    const limits = { maxInputPixels: 40_000_000, maxDecodedPixels: 40_000_000 };
    writeFileSync(file, JSON.stringify({ limits, defaultQuality: 50 }));
    const out = path.join(dir, 'big-small.webp');
    const { code, stdout } = await cli('resize', big, '-o', out, '--width', '100', '--config', file);
    expect(code).toBe(0);
    expect(stdout).toMatch(/big-small\.webp: 100x69 webp/);
    const meta = await sharp(readFileSync(out)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 100, 69]);
  }, 30_000);

  test('the output cap comes from the file too, and a bad file is named with its field', async () => {
    const file = path.join(dir, 'cap.config.json');
    writeFileSync(file, JSON.stringify({ limits: { maxOutputDimension: 500 } }));
    const capped = await cli(
      'resize',
      photo,
      '-o',
      path.join(dir, 'c.jpg'),
      '--width',
      '600',
      '--config',
      file,
    );
    expect([capped.code, capped.stderr]).toEqual([
      2,
      "edge-resizer: Expected integer between 1 and 500 for width but received '600'\n",
    ]);
    writeFileSync(file, JSON.stringify({ limits: { maxPixels: 1 } }));
    const bad = await cli('resize', photo, '-o', path.join(dir, 'c.jpg'), '--width', '60', '--config', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^edge-resizer: .*cap\.config\.json: .*limits\.maxPixels.*\n$/);
  });
});

test('an output nothing can be created in is one clear line, not a raw ENOENT', async () => {
  const { code, stderr } = await cli('resize', photo, '-o', '/proc/x.jpg', '--width', '10');
  expect(code).toBe(1);
  expect(stderr).toBe('edge-resizer: cannot write /proc/x.jpg: cannot create a file in that folder\n');
});

describe('replay says what happened in one line; --json prints the CloudFront result', () => {
  const event = (name: string) => path.join('test/fixtures/events', `${name}.json`);

  test('resized: status, type, bytes and the dimensions of the body it returns', async () => {
    const fixture = 'test/fixtures/replay/landscape.json';
    const line = await cli('replay', fixture, '--origin', 'samples');
    const full = await cli('replay', fixture, '--origin', 'samples', '--json');
    expect([line.code, full.code]).toEqual([0, 0]);
    const result = JSON.parse(full.stdout);
    const body = Buffer.from(result.body, 'base64');
    const meta = await sharp(body).metadata();
    // Encoding is deterministic, so the two runs return the same bytes.
    expect(line.stdout).toBe(
      `200 OK: resized, image/jpeg, ${body.byteLength} bytes, ${meta.width}x${meta.height}\n`,
    );
    expect(line.stdout).not.toContain(result.body.slice(0, 40));
  });

  test.each([
    ['svg', "200 OK: passthrough (unsupported-input), the origin's body as it is, no content type"],
    ['origin-404', "404 Not Found: passthrough (origin-status), the origin's body as it is, no content type"],
  ])('%s: the passthrough and its reason', async (name, expected) => {
    const { code, stdout } = await cli('replay', event(name), '--origin', 'samples');
    expect(code).toBe(0);
    expect(stdout).toBe(`${expected}\n`);
  });

  test("the viewer function's 403 names the reason", () => {
    expect(summarise(forbidden('missing signature'))).toBe(
      '403 Forbidden: refused by the viewer function (missing signature)',
    );
  });
});
