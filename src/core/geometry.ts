/**
 * Output geometry for the five fits, as sharp defines them, in the image's upright (oriented) space.
 * Never upscales: a requested side larger than the original rejects with `upscale`.
 */
import { ResizerError } from './errors.js';
import type { Fit } from './options.js';

export interface Size {
  width: number;
  height: number;
}

export interface Rect extends Size {
  left: number;
  top: number;
}

export interface GeometryPlan {
  /** Size the whole image is resampled to. */
  resize: Size;
  /** cover: the centred region of the resized image that is kept. */
  crop?: Rect;
  /** contain: the canvas the resized image is centred on (left/top = its offset there). */
  pad?: Rect;
  /** Final output size. */
  output: Size;
}

export interface GeometryRequest {
  width?: number | undefined;
  height?: number | undefined;
  fit?: Fit | undefined;
}

export function planGeometry(source: Size, request: GeometryRequest): GeometryPlan {
  const { width, height } = request;
  if ((width !== undefined && width > source.width) || (height !== undefined && height > source.height)) {
    throw new ResizerError(
      'upscale',
      `Requested ${width ?? 'auto'}x${height ?? 'auto'} exceeds the original ${source.width}x${source.height}`,
    );
  }
  if (width === undefined && height === undefined) return same(source);
  if (width === undefined || height === undefined) {
    // One side given: the other follows the aspect ratio, whatever the fit.
    const scale = width !== undefined ? width / source.width : (height as number) / source.height;
    return same(scaled(source, scale, width, height));
  }
  const fit = request.fit ?? 'cover';
  const scaleX = width / source.width;
  const scaleY = height / source.height;
  switch (fit) {
    case 'fill':
      return same({ width, height });
    case 'inside':
      return same(scaled(source, Math.min(scaleX, scaleY)));
    case 'outside':
      return same(scaled(source, Math.max(scaleX, scaleY)));
    case 'cover': {
      // The side with the larger scale fills the box exactly; the other overflows and is cropped.
      const resize =
        scaleX >= scaleY ? scaled(source, scaleX, width) : scaled(source, scaleY, undefined, height);
      const crop = centred(resize, { width, height }, Math.ceil);
      return { resize, crop, output: { width, height } };
    }
    case 'contain': {
      // The side with the smaller scale fills the box exactly; the other falls short and is padded.
      const resize =
        scaleX <= scaleY ? scaled(source, scaleX, width) : scaled(source, scaleY, undefined, height);
      const pad = centred({ width, height }, resize, Math.floor);
      return { resize, pad: { ...pad, width, height }, output: { width, height } };
    }
  }
}

function same(size: Size): GeometryPlan {
  return { resize: size, output: size };
}

/**
 * Scales both sides, never below 1 px. The side the scale was taken from is given exactly (no
 * floating-point drift); the other is rounded, so a 1 px difference is padded or cropped, never
 * stretched, as sharp does.
 */
function scaled(source: Size, scale: number, exactWidth?: number, exactHeight?: number): Size {
  return {
    width: exactWidth ?? Math.max(1, Math.round(source.width * scale)),
    height: exactHeight ?? Math.max(1, Math.round(source.height * scale)),
  };
}

/**
 * Offset that centres `inner` in `outer`. An odd excess leaves one pixel to place, and sharp places
 * it as libvips does: a centred crop starts half a pixel later (rounded up), a centred embed earlier
 * (rounded down). Checked against sharp's own pixels in test/unit/geometry.test.ts.
 */
function centred(outer: Size, inner: Size, round: (x: number) => number): Rect {
  return {
    left: round((outer.width - inner.width) / 2),
    top: round((outer.height - inner.height) / 2),
    width: inner.width,
    height: inner.height,
  };
}

/** Size of an image decoded at 1/shrink, rounded up as libjpeg's scaled IDCT does. */
export function shrunkSize(size: Size, shrink: number): Size {
  return { width: Math.ceil(size.width / shrink), height: Math.ceil(size.height / shrink) };
}
