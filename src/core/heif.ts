/**
 * The HEIF container of an AVIF still image (ISO/IEC 23008-12, MIAF, AV1 Image File Format), read far
 * enough to decode it: the primary item (one AV1 image, or a grid of AV1 tiles), its alpha item,
 * the properties that change what is shown (size, orientation, colour) and where each item's bytes
 * are. The probe uses it for the size before any decoding; the AVIF codec for the bytes. Every read is
 * bounds-checked; anything that does not add up is `corrupt-input`.
 */
import { ResizerError } from './errors.js';
import { concat } from './heif-write.js';

export interface HeifImage {
  /** Displayed size before orientation: the grid's output size, or the item's ispe. */
  width: number;
  height: number;
  /**
   * The size of each coded frame (the item's ispe, or its tiles'): what the decoder allocates a
   * frame for, before any clap crops it. A grid's tiles all have it.
   */
  tile: { width: number; height: number };
  /** AV1 data of each tile, in raster order (one for a plain image). */
  tiles: Uint8Array[];
  /** Tiles per row and column, and the size of one tile (grids only). */
  grid?: { rows: number; columns: number };
}

export interface HeifAvif {
  /** Brand `avis`: an image sequence (we serve those unchanged). */
  sequence: boolean;
  colour: HeifImage;
  alpha?: HeifImage;
  /** The alpha item is premultiplied into the colour (a `prem` reference). */
  premultiplied: boolean;
  /** EXIF orientation 1-8 equivalent to the primary item's irot and imir. */
  orientation: number;
  /**
   * The clean aperture (clap), applied before orientation: the part of the decoded image shown. Absent
   * when the item has none, or one that is not a whole-pixel rectangle inside the image (ignored).
   */
  crop?: { left: number; top: number; width: number; height: number };
  /** nclx colour: matrix coefficients and range, when the item has that box. */
  nclx?: { primaries: number; transfer: number; matrix: number; fullRange: boolean };
  /** An ICC profile from a colr box of type prof or rICC. */
  icc?: Uint8Array;
}

/**
 * Sane maxima for a still image's container, so that the parser's work and memory follow the useful
 * content of a file, never the counts it claims (an iref box of 15.7 million references once took
 * 12 s and 464 MiB). Each count is also bounded by the bytes that hold it. libheif refuses files at
 * 1,000 items and 32 extents an item; ours leave room for grids of over 2,000 tiles with an alpha grid.
 * Deeper nesting is never read: the parser goes four levels down (meta, iprp, ipco, a property).
 */
export const HEIF_LIMITS = {
  /** Boxes inside any one box read (the file, meta, iinf, iref, iprp, ipco). */
  children: 4096,
  /** Items in iinf, iloc and ipma. */
  items: 4096,
  /** References across the iref box. */
  references: 8192,
  /** Extents of one item in iloc. */
  extents: 32,
  /** Properties associated with one item. */
  properties: 64,
  /** Brands of the ftyp box read. */
  brands: 256,
  /** Characters of a string property read (an auxC URN). */
  text: 256,
} as const;

const ALPHA_URNS = ['urn:mpeg:mpegB:cicp:systems:auxiliary:alpha', 'urn:mpeg:hevc:2015:auxid:1'];

/** EXIF orientation from irot (anticlockwise quarter turns) then imir (none, axis 0, axis 1). */
const ORIENTATION = [
  [1, 2, 4],
  [8, 7, 5],
  [3, 4, 2],
  [6, 5, 7],
] as const;

function corrupt(what: string): ResizerError {
  return new ResizerError('corrupt-input', `Corrupt AVIF: ${what}`);
}

/** Big-endian reads inside [from, to); reading past `to` is corrupt. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly to: number,
  ) {}

  private need(n: number) {
    if (this.at + n > this.to) throw corrupt('a box ends early');
  }

  /**
   * A count of entries of at least `entryBytes` each, refused before any is read when the box
   * cannot hold them or when it is over `maximum`.
   */
  count(value: number, entryBytes: number, maximum: number, what: string) {
    if (value * entryBytes > this.to - this.at)
      throw corrupt(`${value} ${what} in ${this.to - this.at} bytes`);
    if (value > maximum) throw corrupt(`${value} ${what}, over the ${maximum} read`);
    return value;
  }

  u8() {
    this.need(1);
    return this.bytes[this.at++] as number;
  }

  u16() {
    return this.u8() * 0x100 + this.u8();
  }

  u32() {
    return this.u16() * 0x10000 + this.u16();
  }

  /** An unsigned integer of 0, 4 or 8 bytes (iloc's field sizes); 8-byte values must fit 2^53. */
  uint(size: number) {
    if (size === 0) return 0;
    if (size === 4) return this.u32();
    if (size === 8) {
      const high = this.u32();
      if (high >= 0x200000) throw corrupt('an offset beyond 2^53');
      return high * 0x100000000 + this.u32();
    }
    throw corrupt(`a field of ${size} bytes`);
  }

  /** The version of a full box (its flags come back through `flags`). */
  fullBox() {
    const word = this.u32();
    return { version: word >>> 24, flags: word & 0xffffff };
  }

  text(length: number) {
    this.need(length);
    const text = String.fromCharCode(...this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    return text;
  }

  /** A NUL-terminated string (or the rest of the box), of at most HEIF_LIMITS.text characters. */
  cString() {
    const end = this.bytes.subarray(this.at, Math.min(this.to, this.at + HEIF_LIMITS.text)).indexOf(0);
    const text = this.text(end < 0 ? Math.min(this.to - this.at, HEIF_LIMITS.text) : end);
    if (end >= 0) this.at++;
    return text;
  }
}

interface Box {
  type: string;
  from: number;
  to: number;
}

/** The boxes inside [start, end); a box overrunning its parent is corrupt. */
function boxes(bytes: Uint8Array, start: number, end: number): Box[] {
  const found: Box[] = [];
  const reader = new Reader(bytes, start, end);
  while (reader.at + 8 <= end) {
    const at = reader.at;
    let size = reader.u32();
    const type = reader.text(4);
    if (size === 1) size = reader.uint(8);
    else if (size === 0) size = end - at;
    const from = reader.at;
    if (size < from - at || at + size > end) throw corrupt(`the ${type} box overruns its parent`);
    if (found.length === HEIF_LIMITS.children) throw corrupt(`over ${HEIF_LIMITS.children} boxes in one box`);
    found.push({ type, from, to: at + size });
    reader.at = at + size;
  }
  return found;
}

function child(bytes: Uint8Array, parent: Box, type: string, fullBox = false): Box | undefined {
  return boxes(bytes, parent.from + (fullBox ? 4 : 0), parent.to).find((box) => box.type === type);
}

function required(box: Box | undefined, type: string): Box {
  if (!box) throw corrupt(`no ${type} box`);
  return box;
}

interface Extent {
  offset: number;
  length: number;
}

interface Item {
  type: string;
  method: number;
  extents: Extent[];
  properties: Box[];
}

/**
 * The major brand and compatible brands of the `ftyp` box that opens an ISOBMFF file, as far as the
 * bytes given go (sniffing may see only a prefix); none when there is no such box.
 */
export function fileBrands(bytes: Uint8Array): string[] {
  const size =
    (bytes[0] ?? 0) * 0x1000000 + (bytes[1] ?? 0) * 0x10000 + (bytes[2] ?? 0) * 0x100 + (bytes[3] ?? 0);
  const end = Math.min(size, bytes.length);
  if (size < 16 || end < 12 || String.fromCharCode(...bytes.subarray(4, 8)) !== 'ftyp') return [];
  const reader = new Reader(bytes, 8, end);
  const found = [reader.text(4)];
  reader.at += 4; // minor version
  while (reader.at + 4 <= end && found.length <= HEIF_LIMITS.brands) found.push(reader.text(4));
  return found;
}

export function parseAvif(bytes: Uint8Array): HeifAvif {
  const top = boxes(bytes, 0, bytes.length);
  required(
    top.find((box) => box.type === 'ftyp'),
    'ftyp',
  );
  const meta = required(
    top.find((box) => box.type === 'meta'),
    'meta',
  );
  const sequence = fileBrands(bytes)[0] === 'avis';
  // meta is a full box: its children start after the version and flags.
  const inMeta = boxes(bytes, meta.from + 4, meta.to);
  const find = (type: string) => inMeta.find((box) => box.type === type);

  const pitm = new Reader(bytes, required(find('pitm'), 'pitm').from, meta.to);
  const pitmBox = pitm.fullBox();
  const primary = pitmBox.version === 0 ? pitm.u16() : pitm.u32();

  const items = new Map<number, Item>();
  const item = (id: number) => {
    let found = items.get(id);
    if (!found) {
      if (items.size === HEIF_LIMITS.items) throw corrupt(`over ${HEIF_LIMITS.items} items`);
      found = { type: '', method: 0, extents: [], properties: [] };
      items.set(id, found);
    }
    return found;
  };
  readItemInfo(bytes, required(find('iinf'), 'iinf'), item);
  readLocations(bytes, required(find('iloc'), 'iloc'), item);
  const references = readReferences(bytes, find('iref'));
  readProperties(bytes, required(find('iprp'), 'iprp'), item);
  const idat = find('idat');

  const data = (id: number, what: string) => {
    const found = items.get(id);
    if (!found?.extents.length) throw corrupt(`no data for the ${what}`);
    const parts = found.extents.map(({ offset, length }) => {
      const base = found.method === 1 ? (idat?.from ?? Number.NaN) : 0;
      const end = found.method === 1 ? (idat?.to ?? 0) : bytes.length;
      const start = base + offset;
      const stop = length === 0 && found.extents.length === 1 ? end : start + length;
      if (!(start >= 0 && stop <= end && stop >= start) || found.method > 1)
        throw corrupt(`the ${what}'s data lies outside the file`);
      return bytes.subarray(start, stop);
    });
    return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts);
  };

  const image = (id: number, what: string): HeifImage => {
    const found = items.get(id);
    if (!found) throw corrupt(`no ${what} item`);
    const size = spatialExtent(bytes, found);
    if (found.type === 'av01') return { ...size, tile: size, tiles: [data(id, what)] };
    if (found.type !== 'grid')
      throw new ResizerError('unsupported-input', `AVIF ${what} of type ${found.type}`);
    const description = data(id, what);
    const reader = new Reader(description, 0, description.length);
    reader.u8(); // version
    const wide = (reader.u8() & 1) === 1;
    const rows = reader.u8() + 1;
    const columns = reader.u8() + 1;
    const width = wide ? reader.u32() : reader.u16();
    const height = wide ? reader.u32() : reader.u16();
    const ids = references.get(`dimg:${id}`) ?? [];
    if (ids.length !== rows * columns)
      throw corrupt(`the ${what} grid has ${ids.length} tiles for ${rows}x${columns}`);
    const tile = gridTile(bytes, ids, items, what);
    checkGrid({ rows, columns, width, height }, tile, what);
    const tiles = ids.map((tileId) => data(tileId, `${what} tile`));
    return { width, height, tile, tiles, grid: { rows, columns } };
  };
  const primaryItem = items.get(primary);
  if (!primaryItem) throw corrupt('no primary item');
  const colour = image(primary, 'image');
  const alphaId = [...(references.get(`auxl->${primary}`) ?? [])].find((id) =>
    items.get(id)?.properties.some((box) => box.type === 'auxC' && ALPHA_URNS.includes(auxType(bytes, box))),
  );
  const alpha = alphaId === undefined ? undefined : image(alphaId, 'alpha');
  const premultiplied = alphaId !== undefined && (references.get(`prem:${primary}`) ?? []).includes(alphaId);

  let rotation = 0;
  let mirror = 0;
  let crop: HeifAvif['crop'];
  let nclx: HeifAvif['nclx'];
  let icc: Uint8Array | undefined;
  for (const property of primaryItem.properties) {
    const reader = new Reader(bytes, property.from, property.to);
    if (property.type === 'irot') rotation = reader.u8() & 3;
    else if (property.type === 'imir') mirror = (reader.u8() & 1) + 1;
    else if (property.type === 'clap') crop = cleanAperture(reader, colour.width, colour.height);
    else if (property.type === 'colr') {
      const kind = reader.text(4);
      if (kind === 'nclx' && !nclx) {
        const [primaries, transfer, matrix] = [reader.u16(), reader.u16(), reader.u16()];
        nclx = { primaries, transfer, matrix, fullRange: (reader.u8() & 0x80) !== 0 };
      } else if ((kind === 'prof' || kind === 'rICC') && !icc) icc = bytes.subarray(reader.at, property.to);
    }
  }
  return {
    sequence,
    colour,
    ...(alpha ? { alpha } : {}),
    premultiplied,
    orientation: ORIENTATION[rotation]?.[mirror] ?? 1,
    ...(crop ? { crop } : {}),
    ...(nclx ? { nclx } : {}),
    ...(icc?.length ? { icc } : {}),
  };
}

/**
 * The rectangle a clap box keeps (ISO/IEC 14496-12 12.1.4): its size, centred on the image's centre
 * moved by the offsets. Only whole pixels inside the image are taken, as libavif takes them.
 */
function cleanAperture(reader: Reader, imageWidth: number, imageHeight: number): HeifAvif['crop'] {
  const signed = (value: number) => (value >= 0x80000000 ? value - 0x100000000 : value);
  const [widthN, widthD, heightN, heightD] = [reader.u32(), reader.u32(), reader.u32(), reader.u32()];
  const [horizontalN, horizontalD, verticalN, verticalD] = [
    signed(reader.u32()),
    reader.u32(),
    signed(reader.u32()),
    reader.u32(),
  ];
  if (!widthD || !heightD || !horizontalD || !verticalD) return undefined;
  const width = widthN / widthD;
  const height = heightN / heightD;
  // The left edge: (imageWidth - width) / 2 + horizontalN / horizontalD, and the same for the top.
  const left = (imageWidth - width) / 2 + horizontalN / horizontalD;
  const top = (imageHeight - height) / 2 + verticalN / verticalD;
  const whole = [width, height, left, top].every(Number.isInteger);
  if (!whole || width < 1 || height < 1 || left < 0 || top < 0) return undefined;
  if (left + width > imageWidth || top + height > imageHeight) return undefined;
  if (width === imageWidth && height === imageHeight) return undefined;
  return { left, top, width, height };
}

/** The size every tile of a grid has (their ispe): tiles of different sizes do not stitch. */
function gridTile(bytes: Uint8Array, ids: number[], items: Map<number, Item>, what: string) {
  let size: { width: number; height: number } | undefined;
  for (const id of ids) {
    const tile = items.get(id);
    if (tile?.type !== 'av01') throw corrupt(`a tile of the ${what} is not AV1`);
    const extent = spatialExtent(bytes, tile);
    if (size && (extent.width !== size.width || extent.height !== size.height))
      throw corrupt(`the ${what} grid has tiles of different sizes`);
    size = extent;
  }
  return size as { width: number; height: number };
}

/**
 * The tiles must cover the grid's output and each row and column of tiles must reach into it
 * (HEIF 6.6.2.3.1, MIAF 7.3.11.4.2, as libavif checks): so the tiles decoded are never much more
 * than the image shown.
 */
function checkGrid(
  grid: { rows: number; columns: number; width: number; height: number },
  tile: { width: number; height: number },
  what: string,
) {
  const { rows, columns, width, height } = grid;
  if (tile.width * columns < width || tile.height * rows < height)
    throw corrupt(`the ${what} grid's tiles do not cover ${width}x${height}`);
  if (tile.width * (columns - 1) >= width || tile.height * (rows - 1) >= height)
    throw corrupt(`the ${what} grid has tiles outside its ${width}x${height}`);
}

function auxType(bytes: Uint8Array, box: Box): string {
  const reader = new Reader(bytes, box.from, box.to);
  reader.fullBox();
  return reader.cString();
}

function spatialExtent(bytes: Uint8Array, item: Item) {
  const ispe = item.properties.find((box) => box.type === 'ispe');
  if (!ispe) throw corrupt('an image without ispe');
  const reader = new Reader(bytes, ispe.from, ispe.to);
  reader.fullBox();
  return { width: reader.u32(), height: reader.u32() };
}

function readItemInfo(bytes: Uint8Array, iinf: Box, item: (id: number) => Item) {
  const reader = new Reader(bytes, iinf.from, iinf.to);
  const { version } = reader.fullBox();
  // Each entry is an infe box of at least 12 bytes.
  reader.count(version === 0 ? reader.u16() : reader.u32(), 12, HEIF_LIMITS.items, 'items');
  for (const infe of boxes(bytes, reader.at, iinf.to)) {
    if (infe.type !== 'infe') continue;
    const entry = new Reader(bytes, infe.from, infe.to);
    const { version: entryVersion } = entry.fullBox();
    if (entryVersion < 2) continue; // no item type before version 2
    const id = entryVersion === 2 ? entry.u16() : entry.u32();
    entry.u16(); // protection index
    item(id).type = entry.text(4);
  }
}

function readLocations(bytes: Uint8Array, iloc: Box, item: (id: number) => Item) {
  const reader = new Reader(bytes, iloc.from, iloc.to);
  const { version } = reader.fullBox();
  if (version > 2) throw corrupt(`iloc version ${version}`);
  const sizes = reader.u16();
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  const indexSize = version > 0 ? sizes & 15 : 0;
  const idSize = version < 2 ? 2 : 4;
  const entryBytes = idSize + (version > 0 ? 2 : 0) + 2 + baseSize + 2;
  const count = reader.count(
    version < 2 ? reader.u16() : reader.u32(),
    entryBytes,
    HEIF_LIMITS.items,
    'items',
  );
  const seen = new Set<number>();
  for (let i = 0; i < count; i++) {
    const id = idSize === 2 ? reader.u16() : reader.u32();
    if (seen.has(id)) throw corrupt(`item ${id} located twice`);
    seen.add(id);
    const method = version > 0 ? reader.u16() & 15 : 0;
    reader.u16(); // data reference index
    const base = reader.uint(baseSize);
    const extentBytes = indexSize + offsetSize + lengthSize;
    const extents = reader.count(reader.u16(), extentBytes, HEIF_LIMITS.extents, 'extents');
    const found = item(id);
    found.method = method;
    for (let e = 0; e < extents; e++) {
      reader.uint(indexSize);
      const offset = base + reader.uint(offsetSize);
      found.extents.push({ offset, length: reader.uint(lengthSize) });
    }
  }
}

/** `type:from` lists the items an item refers to; `type->to` the items referring to one. */
function readReferences(bytes: Uint8Array, iref: Box | undefined): Map<string, number[]> {
  const found = new Map<string, number[]>();
  if (!iref) return found;
  const { version } = new Reader(bytes, iref.from, iref.to).fullBox();
  const idSize = version === 0 ? 2 : 4;
  let total = 0;
  for (const reference of boxes(bytes, iref.from + 4, iref.to)) {
    const reader = new Reader(bytes, reference.from, reference.to);
    const from = idSize === 2 ? reader.u16() : reader.u32();
    const count = reader.count(reader.u16(), idSize, HEIF_LIMITS.references - total, 'references');
    total += count;
    for (let i = 0; i < count; i++) {
      const to = idSize === 2 ? reader.u16() : reader.u32();
      for (const key of [`${reference.type}:${from}`, `${reference.type}->${to}`]) {
        const list = found.get(key) ?? [];
        list.push(key.includes('->') ? from : to);
        found.set(key, list);
      }
    }
  }
  return found;
}

function readProperties(bytes: Uint8Array, iprp: Box, item: (id: number) => Item) {
  const ipco = required(child(bytes, iprp, 'ipco'), 'ipco');
  const list = boxes(bytes, ipco.from, ipco.to);
  for (const ipma of boxes(bytes, iprp.from, iprp.to).filter((box) => box.type === 'ipma')) {
    const reader = new Reader(bytes, ipma.from, ipma.to);
    const { version, flags } = reader.fullBox();
    const idSize = version < 1 ? 2 : 4;
    const indexSize = flags & 1 ? 2 : 1;
    const count = reader.count(reader.u32(), idSize + 1, HEIF_LIMITS.items, 'items');
    for (let i = 0; i < count; i++) {
      const id = idSize === 2 ? reader.u16() : reader.u32();
      const associations = reader.count(reader.u8(), indexSize, 255, 'associations');
      const found = item(id);
      for (let a = 0; a < associations; a++) {
        const index = indexSize === 2 ? reader.u16() & 0x7fff : reader.u8() & 0x7f;
        if (index === 0) continue;
        const property = list[index - 1];
        if (!property) throw corrupt(`property ${index} of ${list.length}`);
        if (found.properties.length === HEIF_LIMITS.properties)
          throw corrupt(`over ${HEIF_LIMITS.properties} properties of item ${id}`);
        found.properties.push(property);
      }
    }
  }
}
