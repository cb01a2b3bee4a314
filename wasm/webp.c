/*
 * WebP with Debian's libwebp 1.2.4 (wasm/debian/sources.json: Debian's security fixes, CVE-2023-4863
 * among them), our own glue. Built twice by wasm/build.mjs: a decoder (WEBP_GLUE_DECODE) and an
 * encoder (WEBP_GLUE_ENCODE), so a request loads only the half it needs.
 *
 * Decoding: any still WebP (lossy, lossless, with alpha) to RGBA8. Encoding: RGBA8 to lossy WebP with
 * libwebp's default preset at the given quality (method 4, alpha kept losslessly-filtered at quality
 * 100), as sharp's and jSquash's defaults.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
  uint32_t width;
  uint32_t height;
  uint8_t *data;
  uint32_t size;
} result_t;

__attribute__((export_name("wp_alloc"))) uint8_t *wp_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("wp_free"))) void wp_free(void *pointer) { free(pointer); }

#ifdef WEBP_GLUE_DECODE
#include "webp/decode.h"

/**
 * RGBA8 pixels, or 0 when the data is not a WebP libwebp can decode in full. With a width and height
 * (both non-zero) the image is scaled to them while it decodes, row by row, by libwebp's own
 * rescaler, as libvips does for sharp: the full-size RGBA image is never made.
 */
__attribute__((export_name("wp_decode"))) result_t *wp_decode(const uint8_t *input, size_t size,
                                                               uint32_t width, uint32_t height) {
  WebPDecoderConfig config;
  if (!WebPInitDecoderConfig(&config)) return 0;
  if (width && height) {
    config.options.use_scaling = 1;
    config.options.scaled_width = (int)width;
    config.options.scaled_height = (int)height;
  }
  config.output.colorspace = MODE_RGBA;
  if (WebPDecode(input, size, &config) != VP8_STATUS_OK) {
    WebPFreeDecBuffer(&config.output);
    return 0;
  }
  result_t *result = calloc(1, sizeof(result_t));
  if (!result) {
    WebPFreeDecBuffer(&config.output);
    return 0;
  }
  result->width = (uint32_t)config.output.width;
  result->height = (uint32_t)config.output.height;
  result->data = config.output.u.RGBA.rgba; // owned by us now: released with free()
  result->size = (uint32_t)config.output.u.RGBA.size;
  return result;
}
#endif

#ifdef WEBP_GLUE_ENCODE
#include "webp/encode.h"

/**
 * A lossy WebP of the RGBA8 image, or 0 when libwebp refuses it: WebPEncodeRGBA's settings and
 * bytes, but the input is freed once imported (as YUV and alpha planes), so that libwebp's own
 * buffers reuse its memory; a module's memory never shrinks, and a Worker has 128 MB in all.
 */
__attribute__((export_name("wp_encode"))) result_t *wp_encode(uint8_t *rgba, uint32_t width, uint32_t height,
                                                               float quality) {
  WebPConfig config;
  WebPPicture picture = {0}; // freeable whatever fails below
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  int ok = WebPConfigPreset(&config, WEBP_PRESET_DEFAULT, quality) && WebPPictureInit(&picture);
  if (ok) {
    picture.width = (int)width;
    picture.height = (int)height;
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    ok = WebPPictureImportRGBA(&picture, rgba, (int)width * 4);
  }
  free(rgba);
  ok = ok && WebPEncode(&config, &picture);
  WebPPictureFree(&picture);
  result_t *result = ok ? calloc(1, sizeof(result_t)) : 0;
  if (!result) {
    WebPMemoryWriterClear(&writer);
    return 0;
  }
  result->width = width;
  result->height = height;
  result->data = writer.mem;
  result->size = (uint32_t)writer.size;
  return result;
}
#endif

__attribute__((export_name("wp_release"))) void wp_release(result_t *result) {
  if (!result) return;
  free(result->data); // WebPFree is free() in this build (no custom allocator)
  free(result);
}
