/**
 * Our JPEG decoder (Debian's libjpeg-turbo built for WebAssembly, with our SIMD128 inverse DCTs in
 * wasm/jidct-simd.c) gives the same bytes as Debian's native djpeg (libjpeg-turbo with its x86
 * SIMD), at every scale shrink-on-load uses, for the kinds of JPEG that take different paths:
 * chroma layouts, progressive, arithmetic, restart markers, grey, odd sizes, very high and very low
 * quality (dense and sparse coefficients), noise (large coefficients).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { describe, expect, test } from 'vitest';
import { decodeJpeg } from '../src/codecs/jpeg-decode.js';
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
