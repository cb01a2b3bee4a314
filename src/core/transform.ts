/**
 * The pipeline: limits from the header, geometry, decode, resample, orient, crop or pad, encode.
 * Orientation is applied after resampling (on the smaller image), so the resample targets the
 * stored (unrotated) sides.
 */
import { decoderFor, type Encoder, encoderFor, resize, toSrgb } from '../codecs/index.js';
import { type ConfigOverrides, type ResizerConfig, resolveConfig } from './config.js';
import { ResizerError } from './errors.js';
import { type GeometryPlan, planGeometry, type Size, shrunkSize } from './geometry.js';
import { chooseFormat } from './negotiate.js';
import type { OutputFormat, TransformOptions } from './options.js';
import { normalizeOptions } from './params.js';
import { crop, flatten, isOpaque, orient, orientedSize, pad, type RawImage, sampleTiles } from './pixels.js';
import { type ImageInfo, probe } from './probe.js';

export interface TransformContext {
  /** The client's Accept header, for `format=auto` or no format. */
  accept?: string | undefined;
  /** Overrides of the default configuration. */
  config?: ConfigOverrides | ResizerConfig;
  /**
   * Largest acceptable output, in bytes. A lossy output over it is encoded again at lower qualities;
   * when none fits, the transform rejects with `output-too-large`.
   */
  maxOutputBytes?: number | undefined;
  /**
   * When the work must be over, on the `performance.now()` clock. WebAssembly cannot be interrupted,
   * so it is checked between stages (and between encodes): a late request rejects with `timeout`
   * instead of starting its next stage.
   */
  deadline?: number | undefined;
}

function checkDeadline(deadline: number | undefined, stage: string): void {
  if (deadline !== undefined && performance.now() > deadline) {
    throw new ResizerError('timeout', `Time budget ran out before ${stage}`);
  }
}

export interface Timings {
  decode: number;
  resize: number;
  encode: number;
}

export interface TransformResult {
  data: Uint8Array;
  format: OutputFormat;
  /** The quality the output was encoded at (lower than asked when a byte budget forced it). */
  quality: number;
  width: number;
  height: number;
  /** The output format was chosen from Accept: responses must vary on it. */
  negotiated: boolean;
  /** Milliseconds per stage. */
  timings: Timings;
  /** Things worth a line in the log that did not stop the transform (an unusable ICC profile). */
  notes?: string[];
}

export const MIME_TYPES: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
};

/** Everything decided from the header and options, before any pixel is decoded. */
export interface TransformPlan {
  info: ImageInfo;
  geometry: GeometryPlan;
  format: OutputFormat;
  negotiated: boolean;
  quality: number;
  /** The DCT shrink-on-load factor the decoder will use (1 when it cannot shrink). */
  shrink: 1 | 2 | 4 | 8;
  /** For decoders that scale while decoding (WebP): the size decoded straight to. */
  scaleTo?: Size;
}

export function planTransform(bytes: Uint8Array, options: TransformOptions, context: TransformContext = {}) {
  const config = resolveConfig(context.config);
  const { limits } = config;
  if (bytes.byteLength > limits.maxInputBytes) {
    throw new ResizerError(
      'input-too-large',
      `Input is ${bytes.byteLength} bytes, over the ${limits.maxInputBytes} limit`,
    );
  }
  const request = normalizeOptions(options, config);
  const info = probe(bytes);
  if (!decoderFor(info.format)) {
    throw new ResizerError('unsupported-input', `${info.format.toUpperCase()} input is served as it is`);
  }
  if (info.animated)
    throw new ResizerError('unsupported-input', `Animated ${info.format.toUpperCase()} is served as it is`);
  // An AVIF counts at its coded size: a clap or a grid's output size shows less than is decoded.
  const { coded } = info;
  const stored = coded ?? info;
  if (stored.width * stored.height > limits.maxInputPixels) {
    throw new ResizerError(
      'too-many-pixels',
      `Input is ${info.width}x${info.height}${coded ? ` (coded ${coded.width}x${coded.height})` : ''}, over the ${limits.maxInputPixels} pixel limit`,
    );
  }
  // What the decoder works through beyond the image's own size (a GIF frame larger than its screen).
  const { decodedPixels = 0 } = info;
  if (decodedPixels > Math.min(limits.maxInputPixels, limits.maxDecodedPixels)) {
    throw new ResizerError(
      'too-many-pixels',
      `Decoding ${decodedPixels} pixels (a frame larger than the ${info.width}x${info.height} image) is over the pixel limit`,
    );
  }
  const geometry = planGeometry(orientedSize(info, info.orientation), request);
  const { output } = geometry;
  if (Math.max(output.width, output.height) > limits.maxOutputDimension) {
    throw new ResizerError(
      'output-too-large',
      `Output ${output.width}x${output.height} exceeds the ${limits.maxOutputDimension} px limit`,
    );
  }
  const { format, negotiated } = chooseFormat(request.format, info.format, context.accept, config.formats);
  if (!encoderFor(format))
    throw new ResizerError('format-disabled', `No encoder for ${format} in this build`);
  // Memory follows the pixels actually decoded: a JPEG shrunk on load costs a fraction of its size.
  const target = orientedSize(geometry.resize, info.orientation);
  const shrink = decoderFor(info.format)?.shrinksOnLoad ? shrinkOnLoad(info, target) : 1;
  const scaleTo =
    decoderFor(info.format)?.scalesOnLoad && target.width * target.height < info.width * info.height
      ? target
      : undefined;
  // The limit counts what the decoder holds: a JPEG shrunk on load holds its shrunk size, but libwebp
  // scaling while it decodes still holds a lossless image whole, so WebP counts at full size.
  const decoded = shrunkSize(stored, shrink);
  const [limit, kind] = info.hasAlpha
    ? [Math.min(limits.maxDecodedPixels, limits.maxDecodedAlphaPixels), ' (with alpha)']
    : [limits.maxDecodedPixels, ''];
  if (decoded.width * decoded.height > limit) {
    throw new ResizerError(
      'too-many-pixels',
      `Decoding ${decoded.width}x${decoded.height}${kind}${shrink > 1 ? ` (1/${shrink} of ${info.width}x${info.height})` : ''} is over the ${limit} decoded pixel limit`,
    );
  }
  const plan: TransformPlan = {
    info,
    geometry,
    format,
    negotiated,
    quality: request.quality ?? config.defaultQuality,
    shrink,
    ...(scaleTo ? { scaleTo } : {}),
  };
  return { plan, config };
}

export async function transform(
  bytes: Uint8Array,
  options: TransformOptions,
  context: TransformContext = {},
): Promise<TransformResult> {
  const { plan, config } = planTransform(bytes, options, context);
  const { info, geometry, format } = plan;
  const timings: Timings = { decode: 0, resize: 0, encode: 0 };
  checkDeadline(context.deadline, 'decoding');

  // The encoder's module compiles on V8's background threads while this thread decodes.
  const encoder = encoderFor(format) as NonNullable<ReturnType<typeof encoderFor>>;
  encoder.prepare().catch(() => undefined); // a failure resurfaces, typed, when encoding
  // Decoders, the colour engine and the resampler lend their output in their module's memory; each
  // is given back once the output is encoded (or the transform fails).
  const lent: RawImage[] = [];
  try {
    const resampled = await decodeResampled(bytes, plan, config, context.deadline, lent, timings);
    let start = performance.now();
    let image = orient(resampled.image, info.orientation);
    if (geometry.crop) image = crop(image, geometry.crop);
    if (geometry.pad)
      image = pad(image, geometry.pad, format === 'jpeg' ? [...config.background, 255] : [0, 0, 0, 0]);
    if (format === 'jpeg' && info.hasAlpha && !resampled.opaque && !isOpaque(image))
      image = flatten(image, config.background);
    timings.resize += performance.now() - start;

    checkDeadline(context.deadline, 'encoding');
    start = performance.now();
    const { data, quality } = await encodeWithin(image, encoder, format, plan.quality, context);
    timings.encode = performance.now() - start;

    return {
      data,
      format,
      quality,
      width: image.width,
      height: image.height,
      negotiated: plan.negotiated,
      timings,
      ...(resampled.ignored ? { notes: [resampled.ignored] } : {}),
    };
  } finally {
    for (const image of lent) image.release?.();
  }
}

/**
 * The original decoded, in sRGB and resampled to the plan's size (stored, pre-orientation sides),
 * with the decode and resample times in `timings`. Whether every pixel is known to be opaque comes
 * along, and why an embedded profile was ignored, if it was. Images lent by the modules on the way
 * are pushed onto `lent`, for the caller to release.
 */
async function decodeResampled(
  bytes: Uint8Array,
  { info, geometry, shrink, scaleTo }: TransformPlan,
  config: ResizerConfig,
  deadline: number | undefined,
  lent: RawImage[],
  timings: Timings,
): Promise<{ image: RawImage; opaque: boolean; ignored?: string }> {
  let start = performance.now();
  const decoder = decoderFor(info.format) as NonNullable<ReturnType<typeof decoderFor>>;
  const expected = scaleTo ?? shrunkSize(info, shrink);
  const target = orientedSize(geometry.resize, info.orientation);
  const resizes = target.width !== expected.width || target.height !== expected.height;
  // An opaque image that needs resampling goes from the decoder to the resampler in bands, when the
  // decoder can (JPEG): both stages at once.
  if (decoder.decodeResized && resizes && !info.hasAlpha && info.components !== 4) {
    const streamed = await decoder.decodeResized(bytes, { shrink, failOn: config.failOn }, expected, target);
    if (streamed) {
      lent.push(streamed.image);
      // Instantiating the modules counts as decoding, as below.
      timings.resize = streamed.resizeMs;
      timings.decode = performance.now() - start - streamed.resizeMs;
      return { image: streamed.image, opaque: true };
    }
  }
  const decoded = await decoder.decode(bytes, {
    shrink,
    failOn: config.failOn,
    ...(scaleTo ? { size: scaleTo } : {}),
  });
  lent.push(decoded);
  if (decoded.width !== expected.width || decoded.height !== expected.height) {
    throw new ResizerError(
      'corrupt-input',
      `Header says ${expected.width}x${expected.height}, pixels are ${decoded.width}x${decoded.height}`,
    );
  }
  // Colour management (an ICC profile, or CMYK) after shrink-on-load and before resampling, as
  // libvips does: converting after resampling is cheaper but clips out-of-gamut colours after they
  // were averaged, which moves saturated edges off sharp's (docs/colour.md). Its time counts as
  // decoding.
  const { image: srgb, ignored } = await toSrgb(decoded);
  lent.push(srgb);
  timings.decode = performance.now() - start;
  checkDeadline(deadline, 'resizing');

  start = performance.now();
  const opaque = !info.hasAlpha || decoded.opaque === true;
  const image = await resample(srgb, target, !opaque);
  lent.push(image);
  timings.resize = performance.now() - start;
  return { image, opaque, ...(ignored ? { ignored } : {}) };
}

const LOSSY: ReadonlySet<OutputFormat> = new Set(['jpeg', 'webp', 'avif']);
/** Each step down keeps this share of the previous quality; below the floor the image is not worth serving. */
const QUALITY_STEP = 0.75;
const QUALITY_FLOOR = 20;
/** Outputs larger than this many sample-sized tiles get their quality chosen from a sample first. */
const SAMPLE_TILE = 256;

function qualityLadder(quality: number): number[] {
  const ladder = [quality];
  for (let q = quality; q > QUALITY_FLOOR; ) {
    q = Math.max(QUALITY_FLOOR, Math.round(q * QUALITY_STEP));
    ladder.push(q);
  }
  return ladder;
}

async function encodeWithin(
  image: RawImage,
  encoder: Encoder,
  format: OutputFormat,
  quality: number,
  { maxOutputBytes: maxBytes = Number.POSITIVE_INFINITY, deadline }: TransformContext,
) {
  let ladder = LOSSY.has(format) ? qualityLadder(quality) : [quality];
  if (Number.isFinite(maxBytes) && ladder.length > 1)
    ladder = await skipHopeless(image, encoder, ladder, maxBytes);
  let last = 0;
  for (const [step, q] of ladder.entries()) {
    if (step > 0) checkDeadline(deadline, `encoding at quality ${q}`);
    const data = await encoder.encode(image, { quality: q });
    if (data.byteLength <= maxBytes) return { data, quality: q };
    last = data.byteLength;
  }
  throw new ResizerError(
    'output-too-large',
    `${format.toUpperCase()} output is ${last} bytes at quality ${ladder.at(-1)}, over the ${maxBytes} byte budget`,
  );
}

/**
 * Drops the qualities a budget cannot hold before paying for a full-size encode: a mosaic of tiles
 * from across the image is encoded at each quality and its size scaled up to the whole image.
 * Only an estimate: the full encode is still checked against the budget.
 */
async function skipHopeless(
  image: RawImage,
  encoder: Encoder,
  ladder: number[],
  maxBytes: number,
): Promise<number[]> {
  const sample = sampleTiles(image, SAMPLE_TILE);
  if (!sample) return ladder;
  const scale = (image.width * image.height) / (sample.width * sample.height);
  for (let i = 0; i < ladder.length; i++) {
    const estimate = (await encoder.encode(sample, { quality: ladder[i] as number })).byteLength * scale;
    if (estimate <= maxBytes) return ladder.slice(i);
  }
  return ladder.slice(-1);
}
/**
 * The DCT scaling (1/2, 1/4, 1/8) as sharp picks it (fastShrinkOnLoad): the largest that still leaves
 * the target's pixels on both axes, halved when the shrink is within one of it (a shrink in [8, 9)
 * decodes at 1/4), which sharp does to stay clear of libjpeg's rounding; the resampler does the rest.
 */
export function shrinkOnLoad(stored: Size, target: Size): 1 | 2 | 4 | 8 {
  const factor = Math.min(stored.width / target.width, stored.height / target.height);
  for (const shrink of [8, 4, 2] as const) {
    if (factor >= shrink) return Math.trunc(factor) === shrink ? ((shrink / 2) as 1 | 2 | 4) : shrink;
  }
  return 1;
}

/** Resamples the stored image to `target` (stored, pre-orientation sides). */
async function resample(image: RawImage, target: Size, alpha: boolean): Promise<RawImage> {
  if (target.width === image.width && target.height === image.height) return image;
  return resize(image, target.width, target.height, { alpha });
}
