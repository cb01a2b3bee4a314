/**
 * One typed configuration with safe defaults. On Lambda@Edge it is baked into the bundle at build
 * time (no environment variables there); the library and CLI take overrides as arguments.
 */
import type { EnabledFormats } from './negotiate.js';

export interface Limits {
  /** Largest original, in bytes, that is fetched and decoded. */
  maxInputBytes: number;
  /** Largest original, in pixels (width x height from the header), that is decoded. */
  maxInputPixels: number;
  /** Largest output side, in pixels. */
  maxOutputDimension: number;
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
  /** When not empty, the only widths served (see policy.ts); other widths are refused or snapped. */
  allowedWidths: readonly number[];
  /** Snap other widths to the next allowed one instead of refusing them. */
  snapWidths: boolean;
}

export const DEFAULT_LIMITS: Limits = {
  // 25 MP covers 24 MP camera JPEGs. Measured peak RSS (fresh process, Lambda@Edge bundle): 1.44 GB
  // for a 6000x4160 original resized to 4000 px at quality 100, 2.28 GB at 50 MP; the deployed
  // function has 1769 MB (one full vCPU), so the pixel limit and the memory size go together.
  maxInputBytes: 32 * 1024 * 1024,
  maxInputPixels: 25_000_000,
  maxOutputDimension: 8192,
};

export const DEFAULT_CONFIG: ResizerConfig = {
  formats: { webp: true, avif: false },
  defaultQuality: 80,
  limits: DEFAULT_LIMITS,
  cacheControl: 'public, max-age=86400',
  background: [255, 255, 255],
  allowedWidths: [],
  snapWidths: false,
};

export type ConfigOverrides = Partial<Omit<ResizerConfig, 'limits' | 'formats'>> & {
  limits?: Partial<Limits>;
  formats?: Partial<EnabledFormats>;
};

/** Defaults merged with overrides, then checked: a bad value throws a TypeError naming the field. */
export function resolveConfig(overrides: ConfigOverrides = {}): ResizerConfig {
  const config: ResizerConfig = {
    ...DEFAULT_CONFIG,
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    formats: { ...DEFAULT_CONFIG.formats, ...overrides.formats },
  };
  checkInteger('defaultQuality', config.defaultQuality, 1, 100);
  checkInteger('limits.maxInputBytes', config.limits.maxInputBytes, 1, 2 ** 31);
  checkInteger('limits.maxInputPixels', config.limits.maxInputPixels, 1, 2 ** 31);
  checkInteger('limits.maxOutputDimension', config.limits.maxOutputDimension, 1, 16383);
  for (const name of ['webp', 'avif'] as const) {
    if (typeof config.formats[name] !== 'boolean')
      invalid(`formats.${name}`, 'true or false', config.formats[name]);
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
  const { allowedWidths } = config;
  if (!Array.isArray(allowedWidths) || allowedWidths.length > 64)
    invalid('allowedWidths', 'a list of at most 64 widths', allowedWidths);
  for (const [i, width] of allowedWidths.entries()) checkInteger(`allowedWidths[${i}]`, width, 1, 16383);
  if (typeof config.snapWidths !== 'boolean') invalid('snapWidths', 'true or false', config.snapWidths);
  return config;
}

export function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    invalid(name, `an integer between ${min} and ${max}`, value);
  }
}

export function invalid(name: string, expected: string, value: unknown): never {
  throw new TypeError(
    `Invalid configuration: expected ${expected} for ${name} but received ${JSON.stringify(value)}`,
  );
}
