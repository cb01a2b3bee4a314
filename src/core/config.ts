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
}

export const DEFAULT_LIMITS: Limits = {
  // 32 MiB of input and 50 MP (200 MB of RGBA) fit a 1-2 GB Lambda with room for the output.
  maxInputBytes: 32 * 1024 * 1024,
  maxInputPixels: 50_000_000,
  maxOutputDimension: 8192,
};

export const DEFAULT_CONFIG: ResizerConfig = {
  formats: { webp: true, avif: false },
  defaultQuality: 80,
  limits: DEFAULT_LIMITS,
  cacheControl: 'public, max-age=86400',
  background: [255, 255, 255],
};

export type ConfigOverrides = Partial<Omit<ResizerConfig, 'limits' | 'formats'>> & {
  limits?: Partial<Limits>;
  formats?: Partial<EnabledFormats>;
};

export function resolveConfig(overrides: ConfigOverrides = {}): ResizerConfig {
  return {
    ...DEFAULT_CONFIG,
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    formats: { ...DEFAULT_CONFIG.formats, ...overrides.formats },
  };
}
