/**
 * Colour management: images with an ICC profile, and CMYK ones, become sRGB through LittleCMS
 * (wasm/colour.c), as libvips converts them for sharp. The module loads only when an image needs it.
 * Transforms are built once per profile and kept (a few; most sites serve one or two camera profiles).
 */
import wasm from '../../wasm/build/colour.wasm';
import type { RawImage } from '../core/pixels.js';
import { isSrgbProfile } from './srgb-profile.js';
import type { DecodedImage } from './types.js';
import { readCString, type WasiCodec, wasiCodecSlot } from './wasi.js';
import type { WasmSlot } from './wasm-slot.js';

interface ColourEngine extends WasiCodec {
  cs_alloc(size: number): number;
  cs_free(pointer: number): void;
  cs_error(): number;
  cs_open(icc: number, length: number, cmyk: number): number;
  cs_apply(transform: number, pixels: number, count: number): void;
  cs_close(transform: number): void;
  cs_open_default_cmyk(): number;
  cs_is_identity(transform: number): number;
}

export const colourSlot: WasmSlot<ColourEngine> = wasiCodecSlot<ColourEngine>('colour engine', wasm);

/** Transforms kept per instance, by profile bytes; the oldest is closed past this many. */
const KEPT_TRANSFORMS = 8;
const transforms = new WeakMap<ColourEngine, Map<string, number>>();

export interface ColourOutcome {
  image: RawImage;
  /** Why an embedded profile was not used (the pixels are then taken as sRGB), for the log. */
  ignored?: string;
}

/** A key for a profile's bytes: its length and a 64-bit FNV-1a hash, as hex. */
function profileKey(icc: Uint8Array, cmyk: boolean): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ icc.length;
  for (let i = 0; i < icc.length; i++) {
    a = Math.imul(a ^ (icc[i] as number), 0x01000193);
    b = Math.imul(b ^ (icc[i] as number), 0x5bd1e995);
  }
  return `${cmyk ? 'k' : 'r'}${icc.length}:${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`;
}

function keptFor(engine: ColourEngine): Map<string, number> {
  const kept = transforms.get(engine) ?? new Map<string, number>();
  transforms.set(engine, kept);
  return kept;
}

function transformFor(engine: ColourEngine, icc: Uint8Array, cmyk: boolean): number | string {
  const kept = keptFor(engine);
  const key = profileKey(icc, cmyk);
  const found = kept.get(key);
  if (found !== undefined) {
    kept.delete(key); // most recently used last
    kept.set(key, found);
    return found;
  }
  const pointer = engine.cs_alloc(icc.length);
  if (!pointer) throw new Error('out of memory');
  new Uint8Array(engine.memory.buffer).set(icc, pointer);
  const transform = engine.cs_open(pointer, icc.length, cmyk ? 1 : 0);
  engine.cs_free(pointer);
  if (!transform) {
    return readCString(engine.memory, engine.cs_error()) || 'unreadable ICC profile';
  }
  kept.set(key, transform);
  if (kept.size > KEPT_TRANSFORMS) {
    const [oldestKey, oldest] = kept.entries().next().value as [string, number];
    kept.delete(oldestKey);
    engine.cs_close(oldest);
  }
  return transform;
}

function defaultCmyk(engine: ColourEngine): number {
  const kept = keptFor(engine);
  let transform = kept.get('default-cmyk');
  if (transform === undefined) {
    transform = engine.cs_open_default_cmyk();
    if (!transform) throw new Error('the default CMYK profile did not load');
    kept.set('default-cmyk', transform);
  }
  return transform;
}

/**
 * The image in sRGB RGBA. CMYK pixels without a usable profile of their own take libvips's default
 * CMYK profile, as sharp does. An RGB image whose profile cannot be used is kept as it is, with the
 * reason.
 */
export async function toSrgb(image: DecodedImage): Promise<ColourOutcome> {
  const cmyk = image.space === 'cmyk';
  if (!image.icc && !cmyk) return { image };
  // An sRGB profile, recognised from its tags without loading the engine (codecs/srgb-profile.ts).
  if (!cmyk && image.icc && isSrgbProfile(image.icc)) return { image };
  return throughEngine(image);
}

/** toSrgb through LittleCMS, whatever the profile (exported for the tests of isSrgbProfile). */
export function throughEngine(image: DecodedImage): Promise<ColourOutcome> {
  const cmyk = image.space === 'cmyk';
  return colourSlot.use('codec-failure', (engine) => {
    let ignored: string | undefined;
    let transform = image.icc ? transformFor(engine, image.icc, cmyk) : 'no embedded profile';
    if (typeof transform === 'string') {
      ignored = image.icc ? `ICC profile ignored: ${transform}` : undefined;
      if (!cmyk) return { image, ignored };
      transform = defaultCmyk(engine);
    }
    // An sRGB profile: the pixels are already what the conversion would give (within one level).
    if (engine.cs_is_identity(transform)) return { image };
    const count = image.width * image.height;
    const pixels = engine.cs_alloc(count * 4);
    if (!pixels) throw new Error('out of memory');
    new Uint8Array(engine.memory.buffer).set(image.data, pixels);
    engine.cs_apply(transform, pixels, count);
    const converted = colourSlot.lendImage(engine.memory, pixels, image.width, image.height, () =>
      engine.cs_free(pixels),
    );
    return { image: converted, ...(ignored ? { ignored } : {}) };
  });
}
