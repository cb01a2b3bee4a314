/**
 * AVIF files sharp cannot write but cameras and other encoders do (grids of tiles, alpha items
 * plain or premultiplied, irot and imir, colr boxes, another major brand), from AV1 data that sharp
 * encoded, through our container writer (src/core/heif-write.ts).
 */
import sharp, { type AvifOptions, type Sharp } from 'sharp';
import { parseAvif } from '../../src/core/heif.js';

import type { Av1Image } from '../../src/core/heif-write.js';

export { type Av1Image, type AvifSpec, buildAvif } from '../../src/core/heif-write.js';

const text = (value: string) => new TextEncoder().encode(value);

/** The payload of the `index`th av1C box of a file (0: the colour item's in sharp's files, 1: its alpha's). */
function av1CBox(file: Uint8Array, index: number): Uint8Array {
  let found = -1;
  for (let at = 4; at + 4 <= file.length; at++) {
    if (file[at] === 0x61 && text('av1C').every((byte, i) => file[at + i] === byte) && ++found === index) {
      const size =
        ((file[at - 4] ?? 0) << 24) |
        ((file[at - 3] ?? 0) << 16) |
        ((file[at - 2] ?? 0) << 8) |
        (file[at - 1] ?? 0);
      return file.slice(at + 4, at - 4 + size);
    }
  }
  throw new Error('no av1C box');
}

/**
 * The picture `png` (`width` x `height`) as a grid of `columns` x `rows` tiles of `tileWidth` x
 * `tileHeight`, its edges repeated to fill the last row and column, encoded by sharp: a grid image
 * (and its alpha grid) for buildAvif.
 */
export async function gridOf(
  png: Uint8Array,
  layout: {
    width: number;
    height: number;
    rows: number;
    columns: number;
    tileWidth: number;
    tileHeight: number;
  },
  options: AvifOptions,
) {
  const { width, height, rows, columns, tileWidth, tileHeight } = layout;
  const padded = await sharp(png)
    .extend({ right: columns * tileWidth - width, bottom: rows * tileHeight - height, extendWith: 'copy' })
    .png()
    .toBuffer();
  const regions = Array.from({ length: rows * columns }, (_, i) =>
    sharp(padded).extract({
      left: (i % columns) * tileWidth,
      top: Math.floor(i / columns) * tileHeight,
      width: tileWidth,
      height: tileHeight,
    }),
  );
  const tiles = await encodeTiles(regions, options);
  const grid = { rows, columns, width, height };
  const image = (encoded: Uint8Array[], av1C: Uint8Array | undefined): Av1Image => ({
    tiles: encoded,
    av1C: av1C ?? new Uint8Array(0),
    tileWidth,
    tileHeight,
    grid,
  });
  return { tiles, colour: image(tiles.colour, tiles.av1C), alpha: image(tiles.alpha, tiles.alphaAv1C) };
}

/** Encodes each tile with sharp and keeps its AV1 data (and its alpha's when `alpha`). */
export async function encodeTiles(
  tiles: Sharp[],
  options: AvifOptions = { quality: 90 },
): Promise<{ colour: Uint8Array[]; alpha: Uint8Array[]; av1C: Uint8Array; alphaAv1C?: Uint8Array }> {
  const colour: Uint8Array[] = [];
  const alpha: Uint8Array[] = [];
  let av1C: Uint8Array = new Uint8Array(0);
  let alphaAv1C: Uint8Array | undefined;
  for (const tile of tiles) {
    const file = new Uint8Array(await tile.avif(options).toBuffer());
    const parsed = parseAvif(file);
    colour.push(parsed.colour.tiles[0] as Uint8Array);
    av1C = av1CBox(file, 0);
    if (parsed.alpha) {
      alpha.push(parsed.alpha.tiles[0] as Uint8Array);
      alphaAv1C = av1CBox(file, 1);
    }
  }
  return { colour, alpha, av1C, ...(alphaAv1C ? { alphaAv1C } : {}) };
}
