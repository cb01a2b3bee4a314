// Hostile AVIF files made from a valid one: the structural attacks on a HEIF parser (huge counts,
// nested boxes, sizes that disagree with the data). Shared by the fuzz corpus (scripts/fuzz-lib.mjs,
// the `avif-hostile` family) and test/hostile-avif.test.ts, which measures each one.

import { concat } from './bytes.mjs';

const u16 = (value) => Uint8Array.of(value >> 8, value & 255);
const u32 = (value) => Uint8Array.of(value >>> 24, (value >> 16) & 255, (value >> 8) & 255, value & 255);
const text = (value) => new TextEncoder().encode(value);

export function box(type, ...payload) {
  const body = concat(payload);
  return concat([u32(body.length + 8), text(type), body]);
}

const fullBox = (type, version, flags, ...payload) => box(type, u32((version << 24) | flags), ...payload);

const readU32 = (b, at) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const typeAt = (b, at) => String.fromCharCode(...b.subarray(at + 4, at + 8));

/** The boxes in [start, end) as { type, start, end }, stopping at the first that does not fit. */
function boxesIn(b, start, end) {
  const out = [];
  for (let at = start; at + 8 <= end; ) {
    const size = readU32(b, at);
    if (size < 8 || at + size > end) break;
    out.push({ type: typeAt(b, at), start: at, end: at + size });
    at += size;
  }
  return out;
}

export function isAvif(b) {
  return b.length > 12 && typeAt(b, 0) === 'ftyp' && boxesIn(b, 0, b.length).some((x) => x.type === 'meta');
}

/**
 * The file with its meta box rewritten by `edit` (children in, children out, each a box's bytes):
 * the old meta becomes a `free` box of the same size and the new one goes at the end, so that the
 * items' offsets in mdat still hold whatever the new meta's size.
 */
export function withMeta(avif, edit) {
  const meta = boxesIn(avif, 0, avif.length).find((x) => x.type === 'meta');
  if (!meta) throw new Error('no meta box');
  const children = boxesIn(avif, meta.start + 12, meta.end).map((x) => ({
    type: x.type,
    bytes: avif.subarray(x.start, x.end),
  }));
  const free = avif.slice(meta.start, meta.end);
  free.set(text('free'), 4);
  const edited = edit(children).map((child) => child.bytes);
  return concat([
    avif.subarray(0, meta.start),
    free,
    avif.subarray(meta.end),
    fullBox('meta', 0, 0, ...edited),
  ]);
}

const replace = (children, type, bytes) => {
  const kept = children.filter((child) => child.type !== type);
  return [...kept, { type, bytes }];
};

/** An iref box (version 0) of `references` dimg references from item 1, 65,535 to a box. */
export function irefFlood(avif, references) {
  const parts = [];
  for (let left = references; left > 0; left -= 65535) {
    const count = Math.min(left, 65535);
    const ids = new Uint8Array(count * 2);
    for (let i = 0; i < count; i++) {
      ids[i * 2] = (i >> 8) & 255;
      ids[i * 2 + 1] = i & 255;
    }
    parts.push(box('dimg', u16(1), u16(count), ids));
  }
  return withMeta(avif, (children) => replace(children, 'iref', fullBox('iref', 0, 0, ...parts)));
}

/** `count` copies of `entry` in one buffer (a flood of tens of MB is made in milliseconds). */
function repeat(entry, count, patch) {
  const out = new Uint8Array(entry.length * count);
  for (let i = 0; i < count; i++) {
    out.set(entry, i * entry.length);
    patch?.(out, i * entry.length, i);
  }
  return out;
}

/** An iinf box declaring `items` AV1 items (version 2 infe boxes, ids from 1000), after the real ones. */
export function itemFlood(avif, items) {
  const infe = fullBox('infe', 2, 0, u16(0), u16(0), text('av01'));
  const entries = repeat(infe, items, (out, at, i) => out.set(u16((1000 + i) & 0xffff), at + 12));
  return withMeta(avif, (children) => {
    const original = children.find((child) => child.type === 'iinf');
    const old = original
      ? boxesIn(original.bytes, 14, original.bytes.length).map((x) => original.bytes.subarray(x.start, x.end))
      : [];
    const count = u16(Math.min(old.length + items, 0xffff));
    return replace(children, 'iinf', fullBox('iinf', 0, 0, count, ...old, entries));
  });
}

/** An iloc box (version 2, 32-bit ids) of `items` items of `extents` extents (4-byte fields) each. */
export function locationFlood(avif, items, extents) {
  const entry = new Uint8Array(10 + extents * 8);
  entry.set(u16(extents), 8);
  for (let e = 0; e < extents; e++) entry.set(u32(1), 10 + e * 8 + 4);
  const entries = repeat(entry, items, (out, at, i) => out.set(u32(i + 1), at));
  // Offsets and lengths of 4 bytes, no base offset or index; construction method 0.
  const iloc = fullBox('iloc', 2, 0, u16(0x4400), u32(items), entries);
  return withMeta(avif, (children) => replace(children, 'iloc', iloc));
}

/** An ipco box with `properties` empty properties after the real ones. */
export function propertyFlood(avif, properties) {
  const filler = new Uint8Array(properties * 8);
  for (let i = 0; i < properties; i++) filler.set([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65], i * 8); // free
  return editIprp(avif, (ipco, ipmas) => [box('ipco', ipco, filler), ...ipmas]);
}

/** An ipma box of `entries` entries for item 1, each associating property 1 255 times. */
export function associationFlood(avif, entries) {
  const body = repeat(concat([u16(1), Uint8Array.of(255), new Uint8Array(255).fill(1)]), entries);
  return editIprp(avif, (ipco, ipmas) => [
    box('ipco', ipco),
    ...ipmas,
    fullBox('ipma', 0, 0, u32(entries), body),
  ]);
}

/** iprp rebuilt from the payload of its ipco and its ipma boxes. */
function editIprp(avif, edit) {
  return withMeta(avif, (children) => {
    const iprp = children.find((child) => child.type === 'iprp');
    if (!iprp) return children;
    const inside = boxesIn(iprp.bytes, 8, iprp.bytes.length);
    const ipco = inside.find((x) => x.type === 'ipco');
    const ipmas = inside.filter((x) => x.type === 'ipma').map((x) => iprp.bytes.subarray(x.start, x.end));
    const ipcoPayload = ipco ? iprp.bytes.subarray(ipco.start + 8, ipco.end) : new Uint8Array(0);
    return replace(children, 'iprp', box('iprp', ...edit(ipcoPayload, ipmas)));
  });
}

/** `depth` boxes of `type`, each inside the last (8 bytes a level). */
export function nestedBoxes(type, depth) {
  const out = new Uint8Array(depth * 8);
  for (let level = 0; level < depth; level++) {
    out.set(u32((depth - level) * 8), level * 8);
    out.set(text(type), level * 8 + 4);
  }
  return out;
}

/** Boxes nested `depth` deep: a chain of meta boxes at the top level, or of ipco boxes as a property. */
export function nested(avif, depth, where = 'property') {
  if (where === 'top')
    return concat([
      avif.subarray(0, readU32(avif, 0)),
      nestedBoxes('meta', depth),
      avif.subarray(readU32(avif, 0)),
    ]);
  return editIprp(avif, (ipco, ipmas) => [box('ipco', ipco, nestedBoxes('ipco', depth)), ...ipmas]);
}

/** Every ispe box rewritten to say `width` x `height`, whatever the AV1 data holds. */
export function withIspe(avif, width, height) {
  const out = avif.slice();
  for (let at = 4; at + 20 <= out.length; at++) {
    if (typeAt(out, at - 4) === 'ispe') {
      out.set(u32(width), at + 8);
      out.set(u32(height), at + 12);
    }
  }
  return out;
}

/**
 * Sizes that disagree with the data: a box (chosen by `pick`) claiming more than its parent holds,
 * a 64-bit size beyond the file, a size of zero in the middle of meta.
 */
export function sizesDisagree(avif, kind, pick = 0) {
  const out = avif.slice();
  const view = new DataView(out.buffer);
  const meta = boxesIn(out, 0, out.length).find((x) => x.type === 'meta');
  const children = boxesIn(out, meta.start + 12, meta.end);
  const target = children[pick % children.length] ?? meta;
  if (kind === 'overrun') view.setUint32(target.start, target.end - target.start + 1 + (pick % 4096));
  if (kind === 'zero') view.setUint32(target.start, 0);
  if (kind === 'large') {
    // size 1 says a 64-bit size follows, where the box's payload starts: 2^52, far past the file.
    view.setUint32(target.start, 1);
    view.setUint32(target.start + 8, 0x100000);
    view.setUint32(target.start + 12, 0);
  }
  return out;
}

/** The `avif-hostile` fuzz family: one of the above, with sizes from the generator. */
export function avifHostile(b, r) {
  if (!isAvif(b)) return b.slice();
  const pick = r.pick([
    () => irefFlood(b, r.pick([1, 100, 8192, 8193, 70000, 300000])),
    () => itemFlood(b, r.pick([1, 10, 4096, 5000, 60000])),
    () => locationFlood(b, r.pick([1, 4096, 4097, 100000]), r.pick([0, 1, 32, 33])),
    () => propertyFlood(b, r.pick([1, 100, 4096, 100000])),
    () => associationFlood(b, r.pick([1, 64, 4097, 20000])),
    () => nested(b, r.pick([10, 1000, 100000]), r.pick(['top', 'property'])),
    () => withIspe(b, r.pick([0, 1, 16, 65535, 2 ** 32 - 1]), r.pick([0, 1, 16, 65535, 2 ** 32 - 1])),
    () => sizesDisagree(b, r.pick(['overrun', 'zero', 'large']), r.int(64)),
  ]);
  return pick();
}
