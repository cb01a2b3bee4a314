/**
 * Our JPEG decoder (Debian's libjpeg-turbo built for WebAssembly, with our SIMD128 inverse DCTs in
 * wasm/jidct-simd.c) gives the same bytes as Debian's native djpeg (libjpeg-turbo with its x86
 * SIMD), at every scale shrink-on-load uses, for the kinds of JPEG that take different paths:
 * chroma layouts, progressive, arithmetic, restart markers, grey, odd sizes, very high and very low
 * quality (dense and sparse coefficients), noise (large coefficients).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { initWasm } from '../src/codecs/index.js';
import { decodeJpeg, decodeJpegResized, jpegDecoderSlot } from '../src/codecs/jpeg-decode.js';
import { resize, resizeSlot } from '../src/codecs/resize.js';
import { scene, toBytes } from './helpers/images.js';

const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-djpeg-'));

/** A JPEG written by cjpeg from `image` with these options. */
async function cjpeg(image: Sharp, args: string[], grey = false): Promise<Uint8Array> {
  const { data, info } = await (grey ? image.greyscale() : image)
    .removeAlpha()
    .toColourspace(grey ? 'b-w' : 'srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const file = path.join(dir, `in-${Math.random().toString(36).slice(2)}.pnm`);
  const header = `${grey ? 'P5' : 'P6'}\n${info.width} ${info.height}\n255\n`;
  writeFileSync(file, Buffer.concat([Buffer.from(header), data]));
  return new Uint8Array(execFileSync('cjpeg', [...args, file]));
}

/** Pixels of a PPM or PGM as RGB. */
function pnm(bytes: Buffer): { width: number; height: number; rgb: Uint8Array } {
  const match = /^(P[56])\s+(\d+)\s+(\d+)\s+255\s/.exec(bytes.subarray(0, 40).toString('latin1'));
  if (!match) throw new Error('djpeg wrote no PNM');
  const [header = '', kind, width = '0', height = '0'] = match;
  const body = bytes.subarray(header.length);
  const rgb =
    kind === 'P6'
      ? new Uint8Array(body)
      : Uint8Array.from({ length: body.length * 3 }, (_, i) => body[Math.floor(i / 3)] ?? 0);
  return { width: Number(width), height: Number(height), rgb };
}

function noise(width: number, height: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  let seed = 7;
  for (let i = 0; i < data.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    data[i] = seed >>> 24;
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

const photo = () => scene(1203, 805, 4);

/**
 * A cjpeg scan script with deeper successive approximation than libjpeg's default (AC bands first
 * sent without their three low bits, refined a bit at a time, some refinements over split bands),
 * so the refinement decoder meets runs, corrections and end-of-band runs at every bit position.
 */
function deepScans(): string {
  const file = path.join(dir, 'deep.scans');
  writeFileSync(
    file,
    [
      '0,1,2: 0-0, 0, 2;',
      '0: 1-2, 0, 3;',
      '0: 3-9, 0, 3;',
      '0: 10-63, 0, 3;',
      '1: 1-63, 0, 2;',
      '2: 1-63, 0, 2;',
      '0: 1-63, 3, 2;',
      '0: 1-5, 2, 1;',
      '0: 6-63, 2, 1;',
      '0,1,2: 0-0, 2, 1;',
      '1: 1-63, 2, 1;',
      '2: 1-63, 2, 1;',
      '0,1,2: 0-0, 1, 0;',
      '1: 1-63, 1, 0;',
      '2: 1-9, 1, 0;',
      '2: 10-63, 1, 0;',
      '0: 1-63, 1, 0;',
    ].join('\n'),
  );
  return file;
}
const cases: [string, () => Promise<Uint8Array>][] = [
  ['baseline 4:2:0, odd size', async () => toBytes(photo().jpeg({ quality: 85 }))],
  ['baseline 4:4:4', async () => toBytes(photo().jpeg({ quality: 90, chromaSubsampling: '4:4:4' }))],
  ['4:2:2 (cjpeg -sample 2x1)', () => cjpeg(photo(), ['-sample', '2x1', '-quality', '85'])],
  ['progressive', async () => toBytes(photo().jpeg({ quality: 85, progressive: true }))],
  ['arithmetic (cjpeg -arithmetic)', () => cjpeg(photo(), ['-arithmetic', '-quality', '85'])],
  ['restart markers every row (cjpeg -restart 1)', () => cjpeg(photo(), ['-restart', '1', '-quality', '85'])],
  ['grey', () => cjpeg(photo(), ['-quality', '85'], true)],
  ['quality 100 (dense coefficients)', async () => toBytes(photo().jpeg({ quality: 100 }))],
  ['quality 5 (sparse coefficients)', async () => toBytes(photo().jpeg({ quality: 5 }))],
  [
    'progressive, deep successive approximation (cjpeg -scans)',
    () => cjpeg(photo(), ['-scans', deepScans(), '-quality', '92']),
  ],
  [
    'progressive noise at quality 100 (every coefficient refined)',
    () => cjpeg(noise(200, 120), ['-quality', '100', '-sample', '1x1', '-progressive']),
  ],
  [
    'progressive at quality 10 (long end-of-band runs)',
    () => cjpeg(photo(), ['-quality', '10', '-progressive']),
  ],
  [
    'noise at quality 100 (large coefficients)',
    () => cjpeg(noise(256, 136), ['-quality', '100', '-sample', '1x1']),
  ],
];

describe('JPEG decoding is byte for byte what native libjpeg-turbo (djpeg) decodes', () => {
  test.each(cases)('%s, at 1/1, 1/2, 1/4 and 1/8', async (_, make) => {
    const jpeg = await make();
    const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.jpg`);
    writeFileSync(file, jpeg);
    for (const shrink of [1, 2, 4, 8] as const) {
      const ours = await decodeJpeg(jpeg, { shrink });
      const reference = pnm(
        execFileSync('djpeg', ['-scale', `1/${shrink}`, '-pnm', file], { maxBuffer: 1 << 26 }),
      );
      expect([ours.width, ours.height], `1/${shrink}`).toEqual([reference.width, reference.height]);
      let differing = 0;
      for (let i = 0, j = 0; i < reference.rgb.length; i += 3, j += 4)
        for (let c = 0; c < 3; c++) if (reference.rgb[i + c] !== ours.data[j + c]) differing++;
      expect(differing, `1/${shrink}`).toBe(0);
    }
  });
});

describe('decoding straight into the resampler, in bands, gives the bytes of decoding whole then resampling', () => {
  const targets = (width: number, height: number) => [
    { width: Math.ceil(width / 3), height: Math.ceil(height / 3) },
    { width: width - 1, height: Math.max(1, height - 17) },
    { width: 40, height: 7 },
  ];

  test.each(cases)('%s', async (_, make) => {
    const jpeg = await make();
    for (const shrink of [1, 2] as const) {
      const whole = await decodeJpeg(jpeg, { shrink });
      const expected = { width: whole.width, height: whole.height };
      const wholeData = whole.data.slice();
      for (const target of targets(whole.width, whole.height)) {
        const streamed = await decodeJpegResized(jpeg, { shrink }, expected, target);
        if (!streamed) throw new Error('no streamed decode');
        const streamedData = streamed.image.data.slice();
        streamed.image.release();
        const reference = await resize({ ...expected, data: wholeData }, target.width, target.height);
        expect([streamed.image.width, streamed.image.height]).toEqual([target.width, target.height]);
        expect(
          Buffer.from(streamedData).equals(Buffer.from(reference.data)),
          `1/${shrink} to ${target.width}x${target.height}`,
        ).toBe(true);
      }
    }
  });

  test('a JPEG cut short is damaged (failOn warning), or its grey remainder resampled (failOn error)', async () => {
    const jpeg = await toBytes(photo().jpeg({ quality: 85 }));
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    const size = { width: 1203, height: 805 };
    const target = { width: 300, height: 201 };
    await expect(decodeJpegResized(cut, { failOn: 'warning' }, size, target)).rejects.toMatchObject({
      code: 'corrupt-input',
    });
    const streamed = await decodeJpegResized(cut, { failOn: 'error' }, size, target);
    const whole = await decodeJpeg(cut, { failOn: 'error' });
    const reference = await resize({ ...size, data: whole.data.slice() }, target.width, target.height);
    expect(Buffer.from(streamed?.image.data ?? []).equals(Buffer.from(reference.data))).toBe(true);
  });

  test('a header that disagrees with the expected size is corrupt input', async () => {
    const jpeg = await toBytes(photo().jpeg({ quality: 85 }));
    await expect(
      decodeJpegResized(jpeg, {}, { width: 1203, height: 806 }, { width: 300, height: 200 }),
    ).rejects.toMatchObject({ code: 'corrupt-input', message: 'Header says 1203x806, pixels are 1203x805' });
  });

  test('pixels that need colour management first are left to the whole decode', async () => {
    const size = { width: 1203, height: 805 };
    const target = { width: 300, height: 201 };
    const p3 = await toBytes(photo().withIccProfile('p3').jpeg({ quality: 85 }));
    const cmyk = await toBytes(photo().toColourspace('cmyk').jpeg({ quality: 85 }));
    const srgb = await toBytes(photo().withIccProfile('srgb').jpeg({ quality: 85 }));
    expect(await decodeJpegResized(p3, {}, size, target)).toBeUndefined();
    const p3Progressive = await toBytes(
      photo().withIccProfile('p3').jpeg({ quality: 85, progressive: true }),
    );
    expect(await decodeJpegResized(p3Progressive, {}, size, target)).toBeUndefined();
    expect(await decodeJpegResized(cmyk, {}, size, target)).toBeUndefined();
    expect(await decodeJpegResized(srgb, {}, size, target)).toBeDefined();
  });

  test('neither module holds the decoded image whole', async () => {
    await initWasm('jpeg-decoder', new Uint8Array(readFileSync('wasm/build/jpeg-decode.wasm')));
    await initWasm('resize', new Uint8Array(readFileSync('wasm/build/resize.wasm')));
    const jpeg = await toBytes(scene(3000, 2000, 6).jpeg({ quality: 80 }));
    const size = { width: 3000, height: 2000 };
    const streamed = await decodeJpegResized(jpeg, {}, size, { width: 2999, height: 1999 });
    streamed?.image.release();
    const decoded = size.width * size.height * 4; // 24 MB
    const decoder = await jpegDecoderSlot.get();
    const kernel = await resizeSlot.get();
    expect(decoder.memory.buffer.byteLength).toBeLessThan(decoded / 2);
    expect(kernel.memory.buffer.byteLength - 2999 * 1999 * 4).toBeLessThan(decoded / 4);
  });
});
