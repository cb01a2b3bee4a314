/**
 * Colour and input fidelity against sharp: images with wide-gamut, grey and CMYK ICC profiles, CMYK
 * without one, static GIF and arithmetic-coded JPEG, each resized by us and by sharp and compared as
 * CIE76 ΔE (mean, and the worst 3x3 region), not only SSIM. The profiles are Debian's (colord-data,
 * libgs-common, which npm test provisions) and libvips's own (P3, CMYK) as sharp embeds them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { resolveEdgeConfig } from '../src/adapters/lambda-edge/config.js';
import { createHandler, type RequestLog } from '../src/adapters/lambda-edge/handler.js';
import { throughEngine } from '../src/codecs/colour.js';
import { decodeJpeg } from '../src/codecs/jpeg-decode.js';
import { pngDecoder } from '../src/codecs/png.js';
import { isSrgbProfile } from '../src/codecs/srgb-profile.js';
import { transform } from '../src/index.js';
import { cmykTiff } from '../wasm/build.mjs';
import { originResponseEvent } from './helpers/events.js';
import { decode, deltaE, pngChunk, scene, similarity, toBytes } from './helpers/images.js';

const ICC = '/usr/share/color/icc';
const PROFILES = {
  'Display P3 (libvips)': 'p3',
  'Adobe RGB (colord)': `${ICC}/colord/AdobeRGB1998.icc`,
  'ProPhoto RGB (colord)': `${ICC}/colord/ProPhotoRGB.icc`,
  'Wide Gamut RGB (colord)': `${ICC}/colord/WideGamutRGB.icc`,
  'ROMM RGB (Ghostscript)': `${ICC}/ghostscript/rommrgb.icc`,
  // LUT-based: Display P3 sampled into lut16 tables (test/fixtures/icc/make-lut-profile.c).
  'Display P3 as tables (ours)': 'test/fixtures/icc/display-p3-lut.icc',
} as const;
const GREY_PROFILE = `${ICC}/ghostscript/sgray.icc`;
const CMYK_PROFILE = `${ICC}/ghostscript/default_cmyk.icc`;

for (const file of [
  ...Object.values(PROFILES).filter((p) => p.startsWith('/')),
  GREY_PROFILE,
  CMYK_PROFILE,
]) {
  if (!existsSync(file))
    throw new Error(
      `${file} is missing: run node scripts/provision.mjs (npm test does), which installs colord-data and libgs-common`,
    );
}

/** A real photo (the sample) and a saturated synthetic scene: colours near every gamut's edge. */
const sources = {
  photo: () => sharp(readFileSync('samples/landscape.jpg')),
  scene: () => scene(900, 600, 3).modulate({ saturation: 1.6 }),
} satisfies Record<string, () => Sharp>;
type Source = keyof typeof sources;

const ENCODE = {
  jpeg: (image: Sharp) => image.jpeg({ quality: 95 }),
  png: (image: Sharp) => image.png(),
  webp: (image: Sharp) => image.webp({ quality: 95 }),
} as const;

/** Our resize and sharp's of the same input to the same width, both as PNG, compared as ΔE. */
async function compare(input: Uint8Array, width: number) {
  const ours = await transform(input, { width, format: 'png' });
  const theirs = new Uint8Array(await sharp(input).resize(width).png().toBuffer());
  return { ours, difference: deltaE(await decode(ours.data), await decode(theirs)) };
}

/** The same pixels with the profile left out: what we served before colour management. */
async function withoutProfile(input: Uint8Array, width: number) {
  const { data, info } = await sharp(input, { ignoreIcc: true } as never)
    .resize(width)
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8ClampedArray(data),
    width: info.width,
    height: info.height,
    format: 'raw',
    channels: info.channels,
  };
}

describe('inputs with a wide-gamut RGB profile come out as sharp converts them (mean ΔE76 < 1.5)', () => {
  const cases = Object.entries(PROFILES).flatMap(([profile, file]) =>
    Object.keys(ENCODE).flatMap((format) =>
      Object.keys(sources).map((source) => [profile, format, source, file] as const),
    ),
  );
  /** The worst region between our resize and sharp's of the same image in sRGB: resampling alone. */
  const baselines = new Map<string, Promise<number>>();
  const baseline = (format: keyof typeof ENCODE, source: Source) => {
    const key = `${format} ${source}`;
    if (!baselines.has(key))
      baselines.set(
        key,
        toBytes(ENCODE[format](sources[source]())).then(
          async (input) => (await compare(input, 400)).difference.worst3x3,
        ),
      );
    return baselines.get(key) as Promise<number>;
  };

  test.each(cases)('%s in %s (%s)', async (_profile, format, source, file) => {
    const make = sources[source as Source];
    const input = await toBytes(ENCODE[format as keyof typeof ENCODE](make().withIccProfile(file)));
    const { ours, difference } = await compare(input, 400);
    expect(ours.format).toBe('png');
    expect(difference.mean).toBeLessThan(1.5);
    // No region is further from sharp's than resampling alone puts it (plus a little).
    const resampling = await baseline(format as keyof typeof ENCODE, source as Source);
    expect(difference.worst3x3).toBeLessThan(resampling + 3);
    // The output carries no profile: its pixels are sRGB.
    expect((await sharp(ours.data).metadata()).icc).toBeUndefined();
  });

  test('leaving the profile out is visibly wrong (the check above can fail)', async () => {
    const input = await toBytes(
      ENCODE.jpeg(sources.scene().withIccProfile(PROFILES['ProPhoto RGB (colord)'])),
    );
    const ours = await decode((await transform(input, { width: 400, format: 'png' })).data);
    const naive = await withoutProfile(input, 400);
    expect(deltaE(ours, naive as never).mean).toBeGreaterThan(5);
  });

  test('a grey JPEG with a grey profile', async () => {
    const input = await toBytes(
      sources.photo().greyscale().withIccProfile(GREY_PROFILE).jpeg({ quality: 95 }),
    );
    expect((await sharp(input).metadata()).channels).toBe(1);
    const { difference } = await compare(input, 400);
    expect(difference.mean).toBeLessThan(1.5);
  });
});

/** The JPEG without its APP2 ICC_PROFILE segments: the same pixels, no profile. */
function withoutIcc(jpeg: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const end = at + 2 + (((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number));
    const icc =
      jpeg[at + 1] === 0xe2 && new TextDecoder().decode(jpeg.subarray(at + 4, at + 15)) === 'ICC_PROFILE';
    if (!icc) parts.push(jpeg.subarray(at, end));
    at = end;
  }
  parts.push(jpeg.subarray(at));
  return new Uint8Array(Buffer.concat(parts));
}

test('a wide-gamut PNG with alpha keeps its alpha through the conversion, and its colours are converted', async () => {
  const { data, info } = await scene(240, 160, 6).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) data[(y * info.width + x) * 4 + 3] = (x * 255) / (info.width - 1);
  // sharp stores the picture in Display P3 (converting it) and embeds the profile.
  const input = await toBytes(sharp(data, { raw: info }).withIccProfile('p3').png());
  const stored = (await pngDecoder.decode(input)).data;
  const result = await transform(input, { format: 'png' });
  const out = await sharp(result.data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  expect([out.info.width, out.info.height]).toEqual([240, 160]);
  let alphaOff = 0;
  let storedOff = 0;
  let outOff = 0;
  for (let i = 0; i < data.length; i += 4) {
    alphaOff = Math.max(alphaOff, Math.abs((out.data[i + 3] ?? 0) - (data[i + 3] ?? 0)));
    for (let c = 0; c < 3; c++) {
      storedOff += Math.abs((stored[i + c] ?? 0) - (data[i + c] ?? 0));
      outOff += Math.abs((out.data[i + c] ?? 0) - (data[i + c] ?? 0));
    }
  }
  const pixels = (data.length / 4) * 3;
  expect(alphaOff).toBeLessThanOrEqual(1);
  expect(storedOff / pixels).toBeGreaterThan(2); // the file holds other numbers than sRGB's
  expect(outOff / pixels).toBeLessThan(1.5); // converted back to sRGB
});

/** `png` with `icc` embedded as is (an iCCP chunk after IHDR): its pixels are taken to be in it. */
function withIcc(png: Uint8Array, icc: Uint8Array): Uint8Array {
  const chunk = pngChunk(
    'iCCP',
    new Uint8Array([...new TextEncoder().encode('icc\0'), 0, ...deflateSync(icc)]),
  );
  return new Uint8Array([...png.subarray(0, 33), ...chunk, ...png.subarray(33)]);
}

describe('every colour converts to exactly the sRGB values sharp gives', () => {
  // Every fifth level of R, G and B (52^3 colours), stored as they are under each profile: the whole
  // of each profile's gamut, edges and clipping included. Matrix/TRC profiles take our SIMD
  // evaluation of LittleCMS's matrix-shaper tables (wasm/colour.c), table-based ones LittleCMS's
  // own path; both must agree with libvips's LittleCMS to the bit.
  const cube = async () => {
    const data = Buffer.alloc(52 ** 3 * 3);
    for (let i = 0; i < 52 ** 3; i++) {
      data[i * 3] = Math.floor(i / 52 ** 2) * 5;
      data[i * 3 + 1] = (Math.floor(i / 52) % 52) * 5;
      data[i * 3 + 2] = (i % 52) * 5;
    }
    return toBytes(sharp(data, { raw: { width: 52 * 52, height: 52, channels: 3 } }).png());
  };
  const iccOf = async (file: string) =>
    file === 'p3'
      ? ((
          await sharp(
            await toBytes(sharp(readFileSync('samples/landscape.jpg')).withIccProfile('p3').png()),
          ).metadata()
        ).icc as Buffer)
      : readFileSync(file);

  test.each(Object.entries(PROFILES))('%s', async (_profile, file) => {
    const input = withIcc(await cube(), new Uint8Array(await iccOf(file)));
    const ours = await sharp((await transform(input, { format: 'png' })).data)
      .removeAlpha()
      .raw()
      .toBuffer();
    const theirs = await sharp(input).removeAlpha().raw().toBuffer();
    expect(ours.length).toBe(52 ** 3 * 3);
    let differing = 0;
    for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) differing++;
    expect(differing).toBe(0);
    // and the profile did something: these are not the stored numbers
    expect(
      Buffer.compare(
        ours,
        await sharp(input, { ignoreIcc: true } as never)
          .removeAlpha()
          .raw()
          .toBuffer(),
      ),
    ).not.toBe(0);
  });
});

describe('an sRGB profile (what most cameras and exports embed) costs nothing and changes nothing', () => {
  // colord's is a v4 profile: libvips's perceptual conversion through v4 Lab lifts its blacks a
  // little, so it is converted (as sharp converts it), not skipped.
  test.each([
    ["libvips's sRGB", 'srgb', true],
    ["Ghostscript's sRGB (v2)", `${ICC}/ghostscript/srgb.icc`, true],
    ["colord's sRGB (v4)", `${ICC}/colord/sRGB.icc`, false],
  ])('%s', async (_name, profile, identity) => {
    const tagged = await toBytes(sources.scene().withIccProfile(profile).jpeg({ quality: 92 }));
    expect((await sharp(tagged).metadata()).icc).toBeDefined();
    const bare = withoutIcc(tagged);
    expect((await sharp(bare).metadata()).icc).toBeUndefined();
    const [withProfile, without] = await Promise.all([
      transform(tagged, { width: 400, format: 'png' }),
      transform(bare, { width: 400, format: 'png' }),
    ]);
    // Found to be an identity: byte for byte what the same pixels give without a profile.
    expect(Buffer.from(withProfile.data).equals(Buffer.from(without.data))).toBe(identity);
    expect((await compare(tagged, 400)).difference.mean).toBeLessThan(1);
  });

  test('a wide-gamut profile is not mistaken for one', async () => {
    const tagged = await toBytes(sources.scene().withIccProfile('p3').jpeg({ quality: 92 }));
    const [withProfile, without] = await Promise.all([
      transform(tagged, { width: 400, format: 'png' }),
      transform(withoutIcc(tagged), { width: 400, format: 'png' }),
    ]);
    expect(Buffer.from(withProfile.data).equals(Buffer.from(without.data))).toBe(false);
  });
});

describe('sRGB profiles are recognised from their tags, without the colour engine, as the engine would', () => {
  /** A profile's bytes: a file, or libvips's own ('srgb', 'p3') as sharp embeds it. */
  async function profileBytes(profile: string): Promise<Uint8Array> {
    if (profile.startsWith('/')) return new Uint8Array(readFileSync(profile));
    const tagged = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#777' } })
      .withIccProfile(profile)
      .png()
      .toBuffer();
    return new Uint8Array((await sharp(tagged).metadata()).icc as Buffer);
  }
  /** Whether LittleCMS, asked directly, leaves every colour of its grid within one level. */
  async function engineIdentity(icc: Uint8Array): Promise<boolean> {
    const image = { data: new Uint8Array(16).fill(128), width: 2, height: 2, icc };
    return (await throughEngine(image)).image === image;
  }
  const every = [`${ICC}/colord`, `${ICC}/ghostscript`, ICC].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith('.icc'))
      .map((name) => `${dir}/${name}`),
  );

  test.each([
    ["libvips's sRGB (v4)", 'srgb', true],
    ["Ghostscript's sRGB (v2, HP's tags, as most cameras embed them)", `${ICC}/ghostscript/srgb.icc`, true],
    ["colord's sRGB (v4, its colorants a little off libvips's)", `${ICC}/colord/sRGB.icc`, false],
    ['Display P3 (libvips)', 'p3', false],
    ['Adobe RGB (colord)', `${ICC}/colord/AdobeRGB1998.icc`, false],
    ['Rec. 709 (colord: sRGB primaries, another curve)', `${ICC}/colord/Rec709.icc`, false],
    ['Display P3 as tables (ours)', 'test/fixtures/icc/display-p3-lut.icc', false],
  ])('%s', async (_name, profile, srgb) => {
    const icc = await profileBytes(profile);
    expect(isSrgbProfile(icc)).toBe(srgb);
    expect(await engineIdentity(icc)).toBe(srgb);
  });

  test(`every profile Debian ships (${every.length}) that is taken as sRGB is an identity to the engine`, async () => {
    const taken: string[] = [];
    for (const file of every) {
      const icc = new Uint8Array(readFileSync(file));
      if (!isSrgbProfile(icc)) continue;
      taken.push(path.basename(file));
      expect(await engineIdentity(icc), file).toBe(true);
    }
    expect(taken.length).toBeGreaterThanOrEqual(3);
  });

  test('a colorant or a curve moved a little is no longer sRGB', async () => {
    const original = new Uint8Array(readFileSync(`${ICC}/ghostscript/srgb.icc`));
    const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = (name: string) => {
      for (let i = 0; i < view(original).getUint32(128); i++) {
        const at = 132 + i * 12;
        if (String.fromCharCode(...original.subarray(at, at + 4)) === name)
          return view(original).getUint32(at + 4);
      }
      throw new Error(`no ${name}`);
    };
    expect(isSrgbProfile(original)).toBe(true);
    const colorant = original.slice();
    view(colorant).setInt32(tag('gXYZ') + 8, view(colorant).getInt32(tag('gXYZ') + 8) + 40); // X + 0.0006
    expect(isSrgbProfile(colorant)).toBe(false);
    const curve = original.slice();
    const entry = tag('bTRC') + 12 + 2 * 40; // one entry of 1024, near black
    view(curve).setUint16(entry, view(curve).getUint16(entry) + 40);
    expect(isSrgbProfile(curve)).toBe(false);
    expect(isSrgbProfile(original.subarray(0, 200))).toBe(false); // cut short: tags out of bounds
  });
});

describe('CMYK JPEGs come out as sharp converts them (mean ΔE76 < 3)', () => {
  test.each(Object.keys(sources))('with an embedded CMYK profile (%s)', async (source) => {
    const make = sources[source as Source];
    const input = await toBytes(
      make().toColourspace('cmyk').withIccProfile(CMYK_PROFILE).jpeg({ quality: 95 }),
    );
    const { difference } = await compare(input, 400);
    expect(difference.mean).toBeLessThan(3);
  });

  test.each(Object.keys(sources))("with libvips's own CMYK profile embedded (%s)", async (source) => {
    const make = sources[source as Source];
    const input = await toBytes(make().toColourspace('cmyk').withIccProfile('cmyk').jpeg({ quality: 95 }));
    expect((await sharp(input).metadata()).icc?.length).toBeGreaterThan(900_000); // 15 APP2 segments
    const { difference } = await compare(input, 400);
    expect(difference.mean).toBeLessThan(3);
  });

  test.each(Object.keys(sources))(
    'without a profile: the default CMYK profile, as sharp (%s)',
    async (source) => {
      const make = sources[source as Source];
      const { data, info } = await make().toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
      const bare = await toBytes(
        sharp(cmykTiff(info.width, info.height, data))
          .pipelineColourspace('cmyk')
          .toColourspace('cmyk')
          .jpeg({ quality: 95 }),
      );
      const meta = await sharp(bare).metadata();
      expect([meta.space, meta.icc]).toEqual(['cmyk', undefined]);
      const { difference } = await compare(bare, 400);
      expect(difference.mean).toBeLessThan(3);
    },
  );

  test('Adobe (inverted) CMYK and YCCK, as Photoshop writes them, decode the right way up', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-ycck-'));
    const { data, info } = await sources
      .scene()
      .resize(300)
      .toColourspace('cmyk')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const reference = new Uint8Array(
      await sharp(cmykTiff(info.width, info.height, data))
        .png()
        .toBuffer(),
    );
    for (const space of ['cmyk', 'ycck']) {
      const jpeg = writeAdobeJpeg(dir, data, info.width, info.height, space);
      expect((await decodeJpeg(jpeg)).space).toBe('cmyk');
      const { ours, difference } = await compare(jpeg, 300);
      expect(difference.mean, space).toBeLessThan(3);
      // Inverted the wrong way, the picture would be its negative.
      expect(await similarity(ours.data, reference), space).toBeGreaterThan(0.9);
    }
  });
});

/**
 * A CMYK JPEG as Photoshop writes it (inverted samples, Adobe marker), coded as CMYK or YCCK, made by
 * a small program against Debian's libjpeg-turbo (libjpeg62-turbo-dev).
 */
function writeAdobeJpeg(
  dir: string,
  cmyk: Uint8Array,
  width: number,
  height: number,
  space: string,
): Uint8Array {
  const tool = path.join(dir, 'adobe-cmyk');
  if (!existsSync(tool)) {
    const source = path.join(dir, 'adobe-cmyk.c');
    writeFileSync(
      source,
      `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
int main(int argc, char **argv) {
  int width = atoi(argv[1]), height = atoi(argv[2]), ycck = strcmp(argv[3], "ycck") == 0;
  unsigned char *pixels = malloc((size_t)width * height * 4);
  if (fread(pixels, 1, (size_t)width * height * 4, stdin) != (size_t)width * height * 4) return 1;
  for (size_t i = 0; i < (size_t)width * height * 4; i++) pixels[i] = 255 - pixels[i];
  struct jpeg_compress_struct c; struct jpeg_error_mgr e;
  c.err = jpeg_std_error(&e); jpeg_create_compress(&c); jpeg_stdio_dest(&c, stdout);
  c.image_width = width; c.image_height = height; c.input_components = 4; c.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&c); jpeg_set_colorspace(&c, ycck ? JCS_YCCK : JCS_CMYK); jpeg_set_quality(&c, 95, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) { JSAMPROW row = pixels + (size_t)c.next_scanline * width * 4; jpeg_write_scanlines(&c, &row, 1); }
  jpeg_finish_compress(&c); return 0;
}
`,
    );
    execFileSync('clang-14', ['-O1', '-o', tool, source, '-ljpeg']);
  }
  return new Uint8Array(execFileSync(tool, [String(width), String(height), space], { input: cmyk }));
}

/** A JPEG with an APP2 ICC_PROFILE segment inserted after SOI, holding `profile` as it is. */
function withRawIcc(jpeg: Uint8Array, profile: Uint8Array): Uint8Array {
  const name = new TextEncoder().encode('ICC_PROFILE\0');
  const length = 2 + name.length + 2 + profile.length;
  const segment = new Uint8Array(2 + length);
  segment.set([0xff, 0xe2, length >> 8, length & 0xff]);
  segment.set(name, 4);
  segment.set([1, 1], 4 + name.length); // part 1 of 1
  segment.set(profile, 6 + name.length);
  return new Uint8Array([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

describe('a broken or mismatched profile is ignored, with a reason in the log', () => {
  test.each([
    ['junk bytes', new TextEncoder().encode('not an ICC profile at all, just junk').subarray(0)],
    ['a CMYK profile on an RGB image', new Uint8Array(readFileSync(`${ICC}/ghostscript/ps_cmyk.icc`))],
    ['a truncated profile', new Uint8Array(readFileSync(PROFILES['Adobe RGB (colord)'])).subarray(0, 300)],
  ])('%s', async (_name, profile) => {
    const plain = await toBytes(sources.scene().resize(300).jpeg({ quality: 90 }));
    const broken = withRawIcc(plain, profile);
    const result = await transform(broken, { width: 150, format: 'png' });
    expect(result.notes?.[0]).toMatch(/^ICC profile ignored: /);
    // The pixels are taken as sRGB: the same image as without the segment.
    const reference = await transform(plain, { width: 150, format: 'png' });
    expect(deltaE(await decode(result.data), await decode(reference.data)).mean).toBeLessThan(0.01);

    const logs: RequestLog[] = [];
    const handler = createHandler({
      config: resolveEdgeConfig({}),
      origin: async () => broken,
      log: (entry) => logs.push(entry),
    });
    await handler(originResponseEvent({ uri: '/broken.jpg', querystring: 'width=150' }));
    expect(logs[0]).toMatchObject({
      outcome: 'resized',
      notes: [expect.stringMatching(/^ICC profile ignored/)],
    });
  });
});

describe('inputs sharp reads that we used to refuse', () => {
  test('a shrink in [8, 9) decodes at 1/4, as sharp: as sharp as sharp', async () => {
    // A detailed painting-like image: fine strokes everywhere, where 1/8 decoding visibly softens.
    const strokes = Array.from({ length: 400 }, (_, i) => {
      const x = (i * 7919) % 2400;
      const y = (i * 104729) % 1600;
      return `<line x1="${x}" y1="${y}" x2="${x + 40}" y2="${y + 25}" stroke="#${((i * 2654435761) >>> 8).toString(16).padStart(6, '0').slice(0, 6)}" stroke-width="2"/>`;
    }).join('');
    const painting = await toBytes(
      sharp(
        Buffer.from(
          `<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1600"><rect width="2400" height="1600" fill="#8a6"/>${strokes}</svg>`,
        ),
      ).jpeg({ quality: 95 }),
    );
    const width = 282; // 2400 / 282 = 8.5
    const ours = await transform(painting, { width, format: 'png' });
    const theirs = new Uint8Array(await sharp(painting).resize(width).png().toBuffer());
    // Measured: SSIM 0.9994 and worst region ΔE 0.65 decoding at 1/4; 0.9945 and 6.1 at 1/8.
    expect(await similarity(ours.data, theirs)).toBeGreaterThan(0.998);
    expect(deltaE(await decode(ours.data), await decode(theirs)).worst3x3).toBeLessThan(2);
  });

  test('a static GIF is resized, PNG out unless a format is asked', async () => {
    const gif = await toBytes(scene(300, 200).gif());
    const result = await transform(gif, { width: 150 });
    expect([result.format, result.width, result.height]).toEqual(['png', 150, 100]);
    const reference = new Uint8Array(await sharp(gif).resize(150).png().toBuffer());
    expect(await similarity(result.data, reference)).toBeGreaterThan(0.97);
    expect(deltaE(await decode(result.data), await decode(reference)).mean).toBeLessThan(1.5);
    const jpeg = await transform(gif, { width: 150, format: 'jpeg' });
    expect(jpeg.format).toBe('jpeg');
    const webp = await transform(gif, { width: 150 }, { accept: 'image/webp,*/*' });
    expect([webp.format, webp.negotiated]).toEqual(['webp', true]);
  });

  test('a GIF with a transparent index keeps its transparency', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="60"><circle cx="40" cy="30" r="20" fill="#c00"/></svg>`;
    const gif = await toBytes(sharp(Buffer.from(svg)).gif());
    const result = await transform(gif, { width: 40 });
    const decoded = await decode(result.data);
    expect(decoded.data[3]).toBe(0); // corner: transparent
    expect(decoded.data[(15 * 40 + 20) * 4 + 3]).toBe(255); // centre: the circle
    expect(decoded.data[(15 * 40 + 20) * 4]).toBeGreaterThan(150);
  });

  test('an interlaced GIF comes out in display order', async () => {
    const gif = await toBytes(scene(200, 120).gif({ interlace: true } as never));
    const result = await transform(gif, { width: 100 });
    const reference = new Uint8Array(await sharp(gif).resize(100).png().toBuffer());
    expect(await similarity(result.data, reference)).toBeGreaterThan(0.97);
  });

  test('a truncated GIF is corrupt input', async () => {
    const gif = await toBytes(scene(200, 120).gif());
    await expect(transform(gif.slice(0, gif.length >> 1), { width: 100 })).rejects.toMatchObject({
      code: 'corrupt-input',
    });
  });

  test.each(['baseline', 'progressive'])(
    'an arithmetic-coded JPEG (cjpeg -arithmetic, %s) decodes',
    async (mode) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-arith-'));
      const ppm = path.join(dir, 'in.ppm');
      const { data, info } = await sources
        .photo()
        .resize(640)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      writeFileSync(ppm, Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`), data]));
      const args = [
        '-arithmetic',
        '-quality',
        '92',
        ...(mode === 'progressive' ? ['-progressive'] : []),
        ppm,
      ];
      const jpeg = new Uint8Array(execFileSync('cjpeg', args));
      expect(frameMarker(jpeg)).toBe(mode === 'progressive' ? 0xca : 0xc9); // SOF10 / SOF9: arithmetic
      const result = await transform(jpeg, { width: 320, format: 'png' });
      expect([result.width, result.format]).toEqual([320, 'png']);
      const reference = new Uint8Array(await sharp(jpeg).resize(320).png().toBuffer());
      expect(await similarity(result.data, reference)).toBeGreaterThan(0.97);
      expect(deltaE(await decode(result.data), await decode(reference)).mean).toBeLessThan(1.5);
    },
  );
});

/** The start-of-frame marker of a JPEG (0xc0-0xcf but DHT, JPG, DAC), found by walking its segments. */
function frameMarker(jpeg: Uint8Array): number | undefined {
  for (let at = 2; at + 4 <= jpeg.length; ) {
    const marker = jpeg[at + 1] as number;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return marker;
    at += 2 + (((jpeg[at + 2] as number) << 8) | (jpeg[at + 3] as number));
  }
  return undefined;
}
