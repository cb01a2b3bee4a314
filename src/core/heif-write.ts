/**
 * Writes the HEIF container of an AVIF still image around AV1 data, laid out as libavif lays it out:
 * ftyp, then meta (hdlr, pitm, iloc, iinf, iref, iprp, idat), then mdat with the items' data. The
 * AVIF encoder writes a plain image with an optional alpha item; the tests also write what sharp
 * cannot (grids, irot/imir, premultiplied alpha, another major brand) to check the reader.
 */

export interface Av1Image {
  /** AV1 data of each tile (one for a plain image). */
  tiles: Uint8Array[];
  /** The av1C property's four-byte payload (marker and version, profile and level, format). */
  av1C: Uint8Array;
  tileWidth: number;
  tileHeight: number;
  /** Bits per channel and channels, for pixi (8 and 3 for colour, 8 and 1 for alpha when absent). */
  depth?: number;
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
  /** Clean aperture as written: width, height, horizontal and vertical offsets, each [N, D]. */
  clap?: [number, number][];
  nclx?: { primaries: number; transfer: number; matrix: number; fullRange: boolean };
  majorBrand?: string;
}

const ALPHA_URN = 'urn:mpeg:mpegB:cicp:systems:auxiliary:alpha';

export function concat(parts: Uint8Array[]): Uint8Array {
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

interface ItemPlan {
  id: number;
  type: 'av01' | 'grid';
  data: Uint8Array;
  inIdat: boolean;
  properties: number[];
}

export function buildAvif(spec: AvifSpec): Uint8Array {
  const properties: Uint8Array[] = [];
  const essential = new Set<number>();
  const property = (bytes: Uint8Array, required = false) => {
    const index = properties.push(bytes); // 1-based
    if (required) essential.add(index);
    return index;
  };
  const ispe = (width: number, height: number) => property(fullBox('ispe', 0, 0, u32(width), u32(height)));
  const pixi = (channels: number, depth: number) =>
    property(fullBox('pixi', 0, 0, u8(channels), ...Array.from({ length: channels }, () => u8(depth))));

  const items: ItemPlan[] = [];
  const references: Uint8Array[] = [];
  const addImage = (image: Av1Image, channels: number, extra: number[]) => {
    const tileSize = ispe(image.tileWidth, image.tileHeight);
    const depth = pixi(channels, image.depth ?? 8);
    const av1C = property(box('av1C', image.av1C), true);
    if (!image.grid) {
      const id = items.length + 1;
      const data = image.tiles[0] ?? new Uint8Array(0);
      items.push({ id, type: 'av01', data, inIdat: false, properties: [tileSize, depth, av1C, ...extra] });
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
      properties: [ispe(width, height), depth, ...extra],
    });
    const tiles = image.tiles.map((data) => {
      const tile = items.length + 1;
      items.push({ id: tile, type: 'av01', data, inIdat: false, properties: [tileSize, depth, av1C] });
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
  if (spec.clap) {
    const words = spec.clap.flat().map((value) => u32(value >>> 0));
    colourExtras.push(property(box('clap', ...words), true));
  }
  if (spec.irot !== undefined) colourExtras.push(property(box('irot', u8(spec.irot & 3)), true));
  if (spec.imir !== undefined) colourExtras.push(property(box('imir', u8(spec.imir & 1)), true));
  const primary = addImage(spec.colour, 3, colourExtras);
  if (spec.alpha) {
    const auxC = property(fullBox('auxC', 0, 0, text(ALPHA_URN), u8(0)));
    const alpha = addImage(spec.alpha, 1, [auxC]);
    references.push(box('auxl', u16(alpha), u16(1), u16(primary)));
    if (spec.premultiplied) references.push(box('prem', u16(primary), u16(1), u16(alpha)));
  }

  const ftyp = box('ftyp', text(spec.majorBrand ?? 'avif'), u32(0), text('avifmif1miafMA1B'));
  const idat = items.filter((item) => item.inIdat).map((item) => item.data);
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
      // Version 1 (construction methods), offsets and lengths of 4 bytes, no base offset.
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
              ...item.properties.map((index) => u8((essential.has(index) ? 0x80 : 0) | index)),
            ]),
          ),
        ),
      ),
      ...(idat.length ? [box('idat', ...idat)] : []),
    );
  };
  const headerSize = ftyp.length + meta(0).length + 8; // the mdat's own header
  const mdat = box('mdat', ...items.filter((item) => !item.inIdat).map((item) => item.data));
  return concat([ftyp, meta(headerSize), mdat]);
}
