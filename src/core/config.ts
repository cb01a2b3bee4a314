/**
 * One typed configuration with safe defaults. On Lambda@Edge it is baked into the bundle at build
 * time (no environment variables there); the library and CLI take overrides as arguments.
 */
import { MAX_DIMENSION } from './canonical.js';
import { ResizerError } from './errors.js';
import type { EnabledFormats } from './negotiate.js';
import { ENCODABLE_FORMATS } from './options.js';

export interface Limits {
  /** Largest original, in bytes, that is fetched and decoded. */
  maxInputBytes: number;
  /** Largest original, in pixels (width x height from the header), that is decoded. */
  maxInputPixels: number;
  /** Largest output side, in pixels. */
  maxOutputDimension: number;
  /**
   * Largest image decoded, in pixels, after shrink-on-load (a JPEG decoded at 1/2, 1/4 or 1/8):
   * what memory follows. The default equals maxInputPixels; a Worker (128 MB) bakes a smaller one.
   */
  maxDecodedPixels: number;
  /**
   * The same, for an image with an alpha channel (or a transparent colour), which costs more memory
   * per pixel: the resampler works on premultiplied floats and the WebP and AVIF encoders encode
   * alpha apart. The default equals maxDecodedPixels; a Worker bakes a smaller one.
   */
  maxDecodedAlphaPixels: number;
}

export interface ResizerConfig {
  formats: EnabledFormats;
  /** Quality used when a request names none (1-100). */
  defaultQuality: number;
  limits: Limits;
  /** Cache-Control of generated responses when the origin sent none. */
  cacheControl: string;
  /** Canvas colour for `fit=contain` on outputs without alpha, and for flattening alpha into JPEG. */
  background: readonly [number, number, number];
  /**
   * When not empty, the only widths (heights, qualities) served: other values are refused, or with
   * `snapWidths` moved to the next allowed one (canonical.ts), so the variants stay bounded.
   */
  allowedWidths: readonly number[];
  allowedHeights: readonly number[];
  allowedQualities: readonly number[];
  /** Snap widths, heights and qualities outside their lists to the next allowed value instead of refusing. */
  snapWidths: boolean;
  /** Signed URLs: with `required`, requests that ask for a transform need a valid `sig`. */
  signing: { required: boolean };
  /**
   * `warning` (default, as sharp): damaged images the decoder can only partly read (truncated
   * uploads, corrupt segments) are refused (`corrupt-input`) and served as the original; `error`:
   * they are resized as far as they decode, with grey where data is missing.
   */
  failOn: 'warning' | 'error';
}

export const DEFAULT_LIMITS: Limits = {
  // 25 MP covers 24 MP camera JPEGs. Measured peak RSS (fresh process, Lambda@Edge bundle): 1.44 GB
  // for a 6000x4160 original resized to 4000 px at quality 100, 2.28 GB at 50 MP; the deployed
  // function has 1769 MB (one full vCPU), so the pixel limit and the memory size go together.
  maxInputBytes: 32 * 1024 * 1024,
  maxInputPixels: 25_000_000,
  maxOutputDimension: 8192,
  maxDecodedPixels: 25_000_000,
  maxDecodedAlphaPixels: 25_000_000,
};

export const DEFAULT_CONFIG: ResizerConfig = {
  formats: { webp: true, avif: false },
  defaultQuality: 80,
  limits: DEFAULT_LIMITS,
  cacheControl: 'public, max-age=86400',
  background: [255, 255, 255],
  allowedWidths: [],
  allowedHeights: [],
  allowedQualities: [],
  snapWidths: false,
  signing: { required: false },
  failOn: 'warning',
};

export type ConfigOverrides = Partial<Omit<ResizerConfig, 'limits' | 'formats' | 'signing'>> & {
  limits?: Partial<Limits>;
  formats?: Partial<EnabledFormats>;
  signing?: Partial<ResizerConfig['signing']>;
};

/** The fields of a configuration object, and of its nested objects: anything else is a typo. */
export const CONFIG_FIELDS = {
  '': [
    'formats',
    'defaultQuality',
    'limits',
    'cacheControl',
    'background',
    'allowedWidths',
    'allowedHeights',
    'allowedQualities',
    'snapWidths',
    'signing',
    'failOn',
  ],
  formats: ['webp', 'avif'],
  limits: [
    'maxInputBytes',
    'maxInputPixels',
    'maxOutputDimension',
    'maxDecodedPixels',
    'maxDecodedAlphaPixels',
  ],
  signing: ['required'],
} as const;

/**
 * Refuses fields the schema does not know, naming the first (`alowedWidths`, `limits.maxPixels`).
 * `extra` lists the top-level fields an adapter adds to the core's.
 */
export function checkKnownFields(value: unknown, extra: readonly string[] = []): void {
  if (!isPlainObject(value)) invalid('the configuration', 'an object', value);
  for (const name of Object.keys(value)) {
    if (!(CONFIG_FIELDS[''] as readonly string[]).includes(name) && !extra.includes(name)) unknownField(name);
  }
  for (const group of ['formats', 'limits', 'signing'] as const) {
    const nested = value[group];
    if (nested === undefined) continue;
    if (!isPlainObject(nested)) invalid(group, 'an object', nested);
    for (const name of Object.keys(nested)) {
      if (!(CONFIG_FIELDS[group] as readonly string[]).includes(name)) unknownField(`${group}.${name}`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownField(name: string): never {
  throw new ResizerError('invalid-config', `Invalid configuration: unknown field ${name}`);
}

/**
 * A configuration with every core field, as resolveConfig returns it: adapters hand it to the
 * transform with their own fields added (the edge's timeouts), so only its nested groups are checked.
 */
function isComplete(value: object): boolean {
  return CONFIG_FIELDS[''].every((name) => name in value);
}

/**
 * Defaults merged with overrides, then checked by the same schema as the configuration file: an
 * unknown field or a bad value throws ResizerError `invalid-config` naming the field.
 */
export function resolveConfig(overrides: ConfigOverrides = {}): ResizerConfig {
  checkKnownFields(
    overrides,
    isPlainObject(overrides) && isComplete(overrides) ? Object.keys(overrides) : [],
  );
  const config: ResizerConfig = {
    ...DEFAULT_CONFIG,
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    formats: { ...DEFAULT_CONFIG.formats, ...overrides.formats },
    signing: { ...DEFAULT_CONFIG.signing, ...overrides.signing },
  };
  checkInteger('defaultQuality', config.defaultQuality, 1, 100);
  checkInteger('limits.maxInputBytes', config.limits.maxInputBytes, 1, 2 ** 31);
  checkInteger('limits.maxInputPixels', config.limits.maxInputPixels, 1, 2 ** 31);
  checkInteger('limits.maxOutputDimension', config.limits.maxOutputDimension, 1, 16383);
  checkInteger('limits.maxDecodedPixels', config.limits.maxDecodedPixels, 1, 2 ** 31);
  checkInteger('limits.maxDecodedAlphaPixels', config.limits.maxDecodedAlphaPixels, 1, 2 ** 31);
  for (const name of ['webp', 'avif'] as const) {
    if (typeof config.formats[name] !== 'boolean')
      invalid(`formats.${name}`, 'true or false', config.formats[name]);
    if (config.formats[name] && !ENCODABLE_FORMATS.includes(name)) {
      throw new ResizerError(
        'invalid-config',
        `Invalid configuration: formats.${name} cannot be true, this build has no ${name.toUpperCase()} encoder`,
      );
    }
  }
  if (typeof config.cacheControl !== 'string' || !/^[\x20-\x7e]+$/.test(config.cacheControl)) {
    invalid('cacheControl', 'a printable header value', config.cacheControl);
  }
  const { background } = config;
  if (
    !Array.isArray(background) ||
    background.length !== 3 ||
    !background.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)
  ) {
    invalid('background', 'three integers between 0 and 255', background);
  }
  checkList('allowedWidths', config.allowedWidths, MAX_DIMENSION);
  checkList('allowedHeights', config.allowedHeights, MAX_DIMENSION);
  checkList('allowedQualities', config.allowedQualities, 100);
  if (typeof config.snapWidths !== 'boolean') invalid('snapWidths', 'true or false', config.snapWidths);
  if (config.failOn !== 'warning' && config.failOn !== 'error')
    invalid('failOn', "'warning' or 'error'", config.failOn);
  if (typeof config.signing.required !== 'boolean')
    invalid('signing.required', 'true or false', config.signing.required);
  return config;
}

/** An allowlist: at most 64 distinct integers in range (the viewer function carries it). */
function checkList(name: string, list: unknown, max: number): void {
  if (!Array.isArray(list) || list.length > 64) invalid(name, 'a list of at most 64 integers', list);
  for (const [i, value] of list.entries()) checkInteger(`${name}[${i}]`, value, 1, max);
  if (new Set(list).size !== list.length) invalid(name, 'distinct values', list);
}

export function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    invalid(name, `an integer between ${min} and ${max}`, value);
  }
}

export function invalid(name: string, expected: string, value: unknown): never {
  throw new ResizerError(
    'invalid-config',
    `Invalid configuration: expected ${expected} for ${name} but received ${JSON.stringify(value)}`,
  );
}
