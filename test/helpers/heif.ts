/**
 * Writes AVIF files the way libavif lays them out, from AV1 data that sharp encoded: grids of
 * tiles, alpha items (plain or premultiplied), irot and imir, colr boxes, another major brand. What
 * sharp cannot write but cameras and other encoders do.
 */
import type { AvifOptions, Sharp } from 'sharp';
import { parseAvif } from '../../src/core/heif.js';

export interface Av1Image {
  /** AV1 data of each tile (one for a plain image). */
  tiles: Uint8Array[];
  /** The av1C property, as a whole box. */
  av1C: Uint8Array;
  tileWidth: number;
  tileHeight: number;
  /** Grid output size; a plain image when absent. */
  grid?: { rows: number; columns: number; width: number; height: number };
}

export interface AvifSpec {
  colour: Av1Image;
  alpha?: Av1Image;
  premultiplied?: boolean;
  /** Anticlockwise quarter turns. */
  irot?: number;
  /** 0: mirror left-right (vertical axis), 1: top-bottom. */
  imir?: number;
  nclx?: { primaries: number; transfer: number; matrix: number; fullRange: boolean };
  majorBrand?: string;
}

const ALPHA_URN = 'urn:mpeg:mpegB:cicp:systems:auxiliary:alpha';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const u8 = (value: number) => Uint8Array.of(value);
const u16 = (value: number) => Uint8Array.of(value >> 8, value & 255);
const u32 = (value: number) =>
  Uint8Array.of(value >>> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255);
const text = (value: string) => new TextEncoder().encode(value);

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = concat(payload);
  return concat([u32(body.length + 8), text(type), body]);
}

function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Uint8Array {
  return box(type, u32((version << 24) | flags), ...payload);
}

/** The `index`th av1C box of a file (0: the colour item's in sharp's files, 1: its alpha's). */
function av1CBox(file: Uint8Array, index: number): Uint8Array {
  let found = -1;
  for (let at = 4; at + 4 <= file.length; at++) {
    if (file[at] === 0x61 && text('av1C').every((byte, i) => file[at + i] === byte) && ++found === index) {
      const size =
        ((file[at - 4] ?? 0) << 24) |
        ((file[at - 3] ?? 0) << 16) |
        ((file[at - 2] ?? 0) << 8) |
        (file[at - 1] ?? 0);
      return file.slice(at - 4, at - 4 + size);
    }
  }
  throw new Error('no av1C box');
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

interface ItemPlan {
  id: number;
  type: 'av01' | 'grid';
  data: Uint8Array;
  inIdat: boolean;
  properties: number[];
}

export function buildAvif(spec: AvifSpec): Uint8Array {
  const properties: Uint8Array[] = [];
  const property = (bytes: Uint8Array) => properties.push(bytes); // 1-based index
  const ispe = (width: number, height: number) => property(fullBox('ispe', 0, 0, u32(width), u32(height)));

  const items: ItemPlan[] = [];
  const references: Uint8Array[] = [];
  const addImage = (image: Av1Image, extra: number[]) => {
    const tileSize = ispe(image.tileWidth, image.tileHeight);
    const av1C = property(image.av1C);
    if (!image.grid) {
      const id = items.length + 1;
      items.push({
        id,
        type: 'av01',
        data: image.tiles[0] as Uint8Array,
        inIdat: false,
        properties: [tileSize, av1C, ...extra],
      });
      return id;
    }
    const { rows, columns, width, height } = image.grid;
    const id = items.length + 1;
    const description = concat([u8(0), u8(1), u8(rows - 1), u8(columns - 1), u32(width), u32(height)]);
    items.push({
      id,
      type: 'grid',
      data: description,
      inIdat: true,
      properties: [ispe(width, height), ...extra],
    });
    const tiles = image.tiles.map((data) => {
      const tile = items.length + 1;
      items.push({ id: tile, type: 'av01', data, inIdat: false, properties: [tileSize, av1C] });
      return tile;
    });
    references.push(box('dimg', u16(id), u16(tiles.length), ...tiles.map(u16)));
    return id;
  };

  const colourExtras: number[] = [];
  if (spec.nclx) {
    const { primaries, transfer, matrix, fullRange } = spec.nclx;
    colourExtras.push(
      property(
        box('colr', text('nclx'), u16(primaries), u16(transfer), u16(matrix), u8(fullRange ? 0x80 : 0)),
      ),
    );
  }
  if (spec.irot !== undefined) colourExtras.push(property(box('irot', u8(spec.irot & 3))));
  if (spec.imir !== undefined) colourExtras.push(property(box('imir', u8(spec.imir & 1))));
  const primary = addImage(spec.colour, colourExtras);
  if (spec.alpha) {
    const auxC = property(fullBox('auxC', 0, 0, text(ALPHA_URN), u8(0)));
    const alpha = addImage(spec.alpha, [auxC]);
    references.push(box('auxl', u16(alpha), u16(1), u16(primary)));
    if (spec.premultiplied) references.push(box('prem', u16(primary), u16(1), u16(alpha)));
  }

  const ftyp = box('ftyp', text(spec.majorBrand ?? 'avif'), u32(0), text('avifmif1miaf'));
  const idatParts = items.filter((item) => item.inIdat).map((item) => item.data);
  const meta = (mdatStart: number) => {
    let mdatAt = mdatStart;
    let idatAt = 0;
    const locations = items.map((item) => {
      const offset = item.inIdat ? idatAt : mdatAt;
      if (item.inIdat) idatAt += item.data.length;
      else mdatAt += item.data.length;
      return concat([
        u16(item.id),
        u16(item.inIdat ? 1 : 0),
        u16(0),
        u16(1),
        u32(offset),
        u32(item.data.length),
      ]);
    });
    return fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, u32(0), text('pict'), u32(0), u32(0), u32(0), u8(0)),
      fullBox('pitm', 0, 0, u16(primary)),
      fullBox('iloc', 1, 0, u16(0x4400), u16(items.length), ...locations),
      fullBox(
        'iinf',
        0,
        0,
        u16(items.length),
        ...items.map((item) => fullBox('infe', 2, 0, u16(item.id), u16(0), text(item.type), u8(0))),
      ),
      ...(references.length ? [fullBox('iref', 0, 0, ...references)] : []),
      box(
        'iprp',
        box('ipco', ...properties),
        fullBox(
          'ipma',
          0,
          0,
          u32(items.length),
          ...items.map((item) =>
            concat([
              u16(item.id),
              u8(item.properties.length),
              ...item.properties.map((index) => u8(0x80 | index)),
            ]),
          ),
        ),
      ),
      ...(idatParts.length ? [box('idat', ...idatParts)] : []),
    );
  };
  const headerSize = ftyp.length + meta(0).length + 8;
  const mdat = box('mdat', ...items.filter((item) => !item.inIdat).map((item) => item.data));
  return concat([ftyp, meta(headerSize), mdat]);
}
