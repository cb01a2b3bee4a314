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
      const resize = scaled(source, Math.max(scaleX, scaleY), width, height);
      const crop = centred(resize, { width, height });
      return { resize, crop, output: { width, height } };
    }
    case 'contain': {
      const resize = scaled(source, Math.min(scaleX, scaleY), width, height);
      const pad = centred({ width, height }, resize);
      return { resize, pad: { ...pad, width, height }, output: { width, height } };
    }
  }
}

function same(size: Size): GeometryPlan {
  return { resize: size, output: size };
}

/** Scales both sides, pinning a side whose target is known exactly, never below 1 px. */
function scaled(source: Size, scale: number, pinWidth?: number, pinHeight?: number): Size {
  const width = Math.max(1, Math.round(source.width * scale));
  const height = Math.max(1, Math.round(source.height * scale));
  return {
    width: pinWidth !== undefined && Math.abs(width - pinWidth) <= 1 ? pinWidth : width,
    height: pinHeight !== undefined && Math.abs(height - pinHeight) <= 1 ? pinHeight : height,
  };
}

/** Offset that centres `inner` in `outer` (floored, as libvips does). */
function centred(outer: Size, inner: Size): Rect {
  return {
    left: Math.floor((outer.width - inner.width) / 2),
    top: Math.floor((outer.height - inner.height) / 2),
    width: inner.width,
    height: inner.height,
  };
}

/** Size of an image decoded at 1/shrink, rounded up as libjpeg's scaled IDCT does. */
export function shrunkSize(size: Size, shrink: number): Size {
  return { width: Math.ceil(size.width / shrink), height: Math.ceil(size.height / shrink) };
}
