/*
 * AV1 still-image encoding with Debian's libaom (wasm/debian/sources.json), our own glue: RGBA8 in,
 * the AV1 data of the colour image (YCbCr 4:2:0, BT.601 full range, as libavif writes sRGB) and, when
 * any pixel is not opaque, of the alpha image (4:0:0) out, each with the four bytes of its av1C
 * property. The host writes the HEIF container (src/core/heif-write.ts). Encoder settings follow
 * libavif 1.0 for a single image: all-intra usage, constant quality, a reduced still-picture header.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aom/aom_encoder.h"
#include "aom/aomcx.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);

typedef struct {
  uint8_t *data;
  uint32_t size;
  uint8_t av1c[4];
} stream_t;

typedef struct {
  stream_t colour;
  stream_t alpha; // size 0: opaque, no alpha image
} result_t;

__attribute__((export_name("ae_alloc"))) uint8_t *ae_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("ae_free"))) void ae_free(void *pointer) { free(pointer); }

__attribute__((export_name("ae_release"))) void ae_release(result_t *result) {
  if (!result) return;
  free(result->colour.data);
  free(result->alpha.data);
  free(result);
}

/** Appends `size` bytes to a growing stream. */
static void append(stream_t *stream, const uint8_t *bytes, size_t size) {
  uint8_t *grown = realloc(stream->data, stream->size + size);
  if (!grown) host_fail("out of memory");
  memcpy(grown + stream->size, bytes, size);
  stream->data = grown;
  stream->size += (uint32_t)size;
}

/** leb128 at `at`; the number of bytes read goes to `length` (0 when malformed). */
static uint64_t leb128(const uint8_t *at, size_t available, size_t *length) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8 && i < available; i++) {
    value |= (uint64_t)(at[i] & 0x7f) << (7 * i);
    if (!(at[i] & 0x80)) {
      *length = i + 1;
      return value;
    }
  }
  *length = 0;
  return 0;
}

/**
 * av1C (AV1-ISOBMFF 2.3.3) from the sequence header OBU in `stream`: version 1, the profile and the
 * level of operating point 0 from the (reduced, still-picture) header, then the format we encoded.
 */
static void configuration(stream_t *stream, int monochrome) {
  const uint8_t *at = stream->data, *end = stream->data + stream->size;
  while (at < end) {
    int type = (at[0] >> 3) & 15, extension = (at[0] >> 2) & 1, sized = (at[0] >> 1) & 1;
    size_t header = 1 + (size_t)extension, length = 0;
    if (!sized || at + header >= end) break;
    uint64_t size = leb128(at + header, (size_t)(end - at - header), &length);
    if (!length) break;
    const uint8_t *payload = at + header + length;
    if (type == 1 && payload + 2 <= end) { // OBU_SEQUENCE_HEADER
      int profile = payload[0] >> 5, reduced = (payload[0] >> 3) & 1;
      if (!reduced) host_fail("libaom wrote a full sequence header for a still image");
      int level = ((payload[0] & 7) << 2) | (payload[1] >> 6);
      stream->av1c[0] = 0x81;                                       // marker, version 1
      stream->av1c[1] = (uint8_t)((profile << 5) | level);          // seq_profile, seq_level_idx_0
      stream->av1c[2] = (uint8_t)((monochrome << 4) | (1 << 3) | (1 << 2)); // 8-bit, 4:2:0 or 4:0:0
      stream->av1c[3] = 0;
      return;
    }
    at = payload + size;
  }
  host_fail("libaom wrote no sequence header");
}

/**
 * One image through libaom: `image` is I420 (only its Y plane is coded when `monochrome`),
 * `quantizer` 0-63.
 */
static void encode(aom_image_t *image, int monochrome, int quantizer, int speed, stream_t *out) {
  aom_codec_iface_t *iface = aom_codec_av1_cx();
  aom_codec_enc_cfg_t config;
  if (aom_codec_enc_config_default(iface, &config, AOM_USAGE_ALL_INTRA)) host_fail("libaom has no configuration");
  config.g_w = image->d_w;
  config.g_h = image->d_h;
  config.g_threads = 1;
  config.g_limit = 1;
  config.g_lag_in_frames = 0;
  config.monochrome = (unsigned)monochrome;
  config.rc_end_usage = AOM_Q;
  config.rc_min_quantizer = 0;
  config.rc_max_quantizer = 63;
  aom_codec_ctx_t codec;
  if (aom_codec_enc_init(&codec, iface, &config, 0)) host_fail("libaom could not start");
  aom_codec_control(&codec, AOME_SET_CPUUSED, speed);
  aom_codec_control(&codec, AOME_SET_CQ_LEVEL, quantizer);
  aom_codec_control(&codec, AV1E_SET_COLOR_RANGE, AOM_CR_FULL_RANGE);
  if (!monochrome) {
    aom_codec_control(&codec, AOME_SET_TUNING, AOM_TUNE_SSIM);
    aom_codec_control(&codec, AV1E_SET_COLOR_PRIMARIES, AOM_CICP_CP_BT_709);
    aom_codec_control(&codec, AV1E_SET_TRANSFER_CHARACTERISTICS, AOM_CICP_TC_SRGB);
    aom_codec_control(&codec, AV1E_SET_MATRIX_COEFFICIENTS, AOM_CICP_MC_BT_601);
  }
  if (aom_codec_encode(&codec, image, 0, 1, 0)) host_fail(aom_codec_error_detail(&codec) ? aom_codec_error_detail(&codec) : "libaom could not encode");
  for (int flushing = 0; flushing < 2; flushing++) {
    if (flushing && aom_codec_encode(&codec, NULL, 0, 0, 0)) host_fail("libaom could not finish");
    aom_codec_iter_t iter = NULL;
    for (const aom_codec_cx_pkt_t *packet; (packet = aom_codec_get_cx_data(&codec, &iter));) {
      if (packet->kind != AOM_CODEC_CX_FRAME_PKT) continue;
      const uint8_t *bytes = packet->data.frame.buf;
      size_t size = packet->data.frame.sz;
      // A temporal delimiter has no place in an image item (AV1-ISOBMFF 2.2.4).
      if (size >= 2 && bytes[0] == 0x12 && bytes[1] == 0x00) bytes += 2, size -= 2;
      append(out, bytes, size);
    }
  }
  aom_codec_destroy(&codec);
  if (!out->size) host_fail("libaom wrote nothing");
  configuration(out, monochrome);
}

static inline uint8_t clamp8(float v) { return v <= 0.f ? 0 : v >= 255.f ? 255 : (uint8_t)(v + 0.5f); }

/**
 * `rgba` (`width` x `height`, 4 bytes a pixel) to AV1: `quantizer` 0 (best) to 63, libaom `speed`
 * 0 (slowest) to 10.
 */
__attribute__((export_name("ae_encode"))) result_t *ae_encode(const uint8_t *rgba, uint32_t width, uint32_t height,
                                                             int quantizer, int speed) {
  if (!width || !height) host_fail("no pixels");
  // libaom's own layout (rows of an even stride, planes of an even height), not a packed one.
  aom_image_t *image = aom_img_alloc(NULL, AOM_IMG_FMT_I420, width, height, 1);
  result_t *result = calloc(1, sizeof(result_t));
  if (!image || !result) host_fail("out of memory");
  image->range = AOM_CR_FULL_RANGE;
  uint32_t cw = (width + 1) / 2, ch = (height + 1) / 2;
  const float kr = 0.299f, kb = 0.114f, kg = 1.f - kr - kb;
  int translucent = 0;
  for (uint32_t row = 0; row < height; row++) {
    uint8_t *y = image->planes[AOM_PLANE_Y] + (size_t)row * image->stride[AOM_PLANE_Y];
    for (uint32_t x = 0; x < width; x++) {
      const uint8_t *p = rgba + ((size_t)row * width + x) * 4;
      y[x] = clamp8(kr * p[0] + kg * p[1] + kb * p[2]);
      translucent |= p[3] != 255;
    }
  }
  // Chroma: each 2x2 block's average RGB (edges repeat), as libavif's built-in conversion.
  for (uint32_t cy = 0; cy < ch; cy++) {
    uint8_t *u = image->planes[AOM_PLANE_U] + (size_t)cy * image->stride[AOM_PLANE_U];
    uint8_t *v = image->planes[AOM_PLANE_V] + (size_t)cy * image->stride[AOM_PLANE_V];
    for (uint32_t cx = 0; cx < cw; cx++) {
      float r = 0.f, g = 0.f, b = 0.f;
      for (uint32_t dy = 0; dy < 2; dy++) {
        for (uint32_t dx = 0; dx < 2; dx++) {
          uint32_t sx = 2 * cx + dx < width ? 2 * cx + dx : width - 1;
          uint32_t sy = 2 * cy + dy < height ? 2 * cy + dy : height - 1;
          const uint8_t *p = rgba + ((size_t)sy * width + sx) * 4;
          r += p[0], g += p[1], b += p[2];
        }
      }
      r *= 0.25f, g *= 0.25f, b *= 0.25f;
      float yy = kr * r + kg * g + kb * b;
      u[cx] = clamp8((b - yy) / (2.f * (1.f - kb)) + 128.f);
      v[cx] = clamp8((r - yy) / (2.f * (1.f - kr)) + 128.f);
    }
  }
  encode(image, 0, quantizer, speed, &result->colour);
  if (translucent) {
    // The alpha image: its Y plane is the alpha channel, chroma neutral (monochrome is not coded).
    for (uint32_t row = 0; row < height; row++) {
      uint8_t *y = image->planes[AOM_PLANE_Y] + (size_t)row * image->stride[AOM_PLANE_Y];
      for (uint32_t x = 0; x < width; x++) y[x] = rgba[((size_t)row * width + x) * 4 + 3];
    }
    for (uint32_t cy = 0; cy < ch; cy++) {
      memset(image->planes[AOM_PLANE_U] + (size_t)cy * image->stride[AOM_PLANE_U], 128, cw);
      memset(image->planes[AOM_PLANE_V] + (size_t)cy * image->stride[AOM_PLANE_V], 128, cw);
    }
    image->monochrome = 1;
    encode(image, 1, quantizer, speed, &result->alpha);
  }
  aom_img_free(image);
  return result;
}
