/*
 * AVIF pixel decoding with Debian's dav1d (wasm/debian/sources.json), our own glue. The host parses
 * the HEIF container (src/core/heif.ts) and hands over the AV1 data of the primary item and, when
 * there is one, of its alpha item; this decodes both and converts them to RGBA8:
 *  - YCbCr to RGB with the matrix and range of the container's nclx box when it has one, else the
 *    AV1 sequence header's (unspecified: BT.601, as libavif);
 *  - 4:2:0 and 4:2:2 chroma upsampled bilinearly (3:1 weights, chroma centred between luma samples);
 *  - 10- and 12-bit rounded to 8; monochrome to grey; premultiplied alpha divided out.
 * Orientation (irot, imir) is the host's, as EXIF orientation is for JPEG.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dav1d.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);

typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t alpha; // 1 when an alpha item was decoded into data's fourth channel
  uint8_t *data;
  uint32_t depth; // bits per sample of the colour item
  uint32_t primaries;
  uint32_t transfer;
  uint32_t matrix; // the one used
} result_t;

__attribute__((export_name("ad_alloc"))) uint8_t *ad_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("ad_free"))) void ad_free(void *pointer) { free(pointer); }

__attribute__((export_name("ad_release"))) void ad_release(result_t *result) {
  if (!result) return;
  free(result->data);
  free(result);
}

static void keep(const uint8_t *data, void *cookie) { (void)data, (void)cookie; }

/** One AV1 still picture from `size` bytes of OBUs; fails through the host. */
static void decode_picture(const uint8_t *bytes, size_t size, unsigned max_pixels, Dav1dPicture *picture) {
  Dav1dSettings settings;
  dav1d_default_settings(&settings);
  settings.n_threads = 1;
  settings.max_frame_delay = 1;
  settings.all_layers = 0;
  settings.frame_size_limit = max_pixels;
  Dav1dContext *context = NULL;
  if (dav1d_open(&context, &settings) < 0) host_fail("dav1d could not start");
  Dav1dData data = {0};
  if (dav1d_data_wrap(&data, bytes, size, keep, NULL) < 0) host_fail("empty AV1 item");
  memset(picture, 0, sizeof(*picture));
  int got = DAV1D_ERR(EAGAIN);
  while (got == DAV1D_ERR(EAGAIN)) {
    if (data.sz > 0) {
      int sent = dav1d_send_data(context, &data);
      if (sent < 0 && sent != DAV1D_ERR(EAGAIN)) break;
    }
    got = dav1d_get_picture(context, picture);
    if (got == DAV1D_ERR(EAGAIN) && data.sz == 0) {
      got = dav1d_get_picture(context, picture); // drain
      break;
    }
  }
  dav1d_data_unref(&data);
  dav1d_close(&context);
  if (got < 0) host_fail("the AV1 data does not decode to a picture");
}

static inline int sample(const Dav1dPicture *p, int plane, int x, int y) {
  ptrdiff_t stride = p->stride[plane > 0];
  const uint8_t *row = (const uint8_t *)p->data[plane] + stride * y;
  return p->p.bpc > 8 ? ((const uint16_t *)row)[x] : row[x];
}

static inline uint8_t to8(float v) {
  v = v < 0.f ? 0.f : v > 1.f ? 1.f : v;
  return (uint8_t)(v * 255.f + 0.5f);
}

/** Kr and Kb of an H.273 matrix; BT.601 for unspecified and those we do not know, as libavif. */
static void coefficients(int matrix, float *kr, float *kb) {
  switch (matrix) {
  case DAV1D_MC_BT709: *kr = 0.2126f, *kb = 0.0722f; return;
  case DAV1D_MC_FCC: *kr = 0.30f, *kb = 0.11f; return;
  case DAV1D_MC_SMPTE240: *kr = 0.212f, *kb = 0.087f; return;
  case DAV1D_MC_BT2020_NCL:
  case DAV1D_MC_BT2020_CL: *kr = 0.2627f, *kb = 0.0593f; return;
  default: *kr = 0.299f, *kb = 0.114f; return;
  }
}

/** Chroma at luma position (x, y), bilinear from the subsampled plane. */
static inline float chroma(const Dav1dPicture *p, int plane, int x, int y, int sx, int sy, int cw, int ch) {
  if (!sx && !sy) return (float)sample(p, plane, x, y);
  int cx = x >> sx, cy = y >> sy;
  int nx = sx ? ((x & 1) ? cx + 1 : cx - 1) : cx;
  int ny = sy ? ((y & 1) ? cy + 1 : cy - 1) : cy;
  nx = nx < 0 ? 0 : nx >= cw ? cw - 1 : nx;
  ny = ny < 0 ? 0 : ny >= ch ? ch - 1 : ny;
  float wx = sx ? 0.75f : 1.f, wy = sy ? 0.75f : 1.f;
  float top = wx * (float)sample(p, plane, cx, cy) + (1.f - wx) * (float)sample(p, plane, nx, cy);
  float bottom = wx * (float)sample(p, plane, cx, ny) + (1.f - wx) * (float)sample(p, plane, nx, ny);
  return wy * top + (1.f - wy) * bottom;
}

static void to_rgba(const Dav1dPicture *p, int matrix, int full_range, uint8_t *out) {
  int w = p->p.w, h = p->p.h, depth = p->p.bpc;
  float max = (float)((1 << depth) - 1), mid = (float)(1 << (depth - 1)), scale = (float)(1 << (depth - 8));
  float y_offset = full_range ? 0.f : 16.f * scale, y_range = full_range ? max : 219.f * scale;
  float c_range = full_range ? max : 224.f * scale;
  int sx = p->p.layout == DAV1D_PIXEL_LAYOUT_I420 || p->p.layout == DAV1D_PIXEL_LAYOUT_I422;
  int sy = p->p.layout == DAV1D_PIXEL_LAYOUT_I420;
  int cw = (w + sx) >> sx, ch = (h + sy) >> sy;
  float kr, kb;
  coefficients(matrix, &kr, &kb);
  float kg = 1.f - kr - kb;
  for (int y = 0; y < h; y++) {
    uint8_t *row = out + (size_t)y * w * 4;
    for (int x = 0; x < w; x++) {
      float luma = ((float)sample(p, 0, x, y) - y_offset) / y_range, r, g, b;
      if (p->p.layout == DAV1D_PIXEL_LAYOUT_I400) {
        r = g = b = luma;
      } else {
        float u = chroma(p, 1, x, y, sx, sy, cw, ch), v = chroma(p, 2, x, y, sx, sy, cw, ch);
        float cb = (u - mid) / c_range, cr = (v - mid) / c_range;
        if (matrix == DAV1D_MC_IDENTITY) { // GBR: every plane scaled as luma
          g = luma, b = (u - y_offset) / y_range, r = (v - y_offset) / y_range;
        } else if (matrix == DAV1D_MC_SMPTE_YCGCO) {
          float t = luma - cb;
          g = luma + cb, b = t - cr, r = t + cr;
        } else {
          r = luma + 2.f * (1.f - kr) * cr;
          b = luma + 2.f * (1.f - kb) * cb;
          g = luma - (2.f * kr * (1.f - kr) * cr + 2.f * kb * (1.f - kb) * cb) / kg;
        }
      }
      row[x * 4] = to8(r);
      row[x * 4 + 1] = to8(g);
      row[x * 4 + 2] = to8(b);
      row[x * 4 + 3] = 255;
    }
  }
}

static void add_alpha(const Dav1dPicture *p, int premultiplied, uint8_t *out) {
  int w = p->p.w, h = p->p.h, full = p->seq_hdr->color_range;
  float scale = (float)(1 << (p->p.bpc - 8)), max = (float)((1 << p->p.bpc) - 1);
  float offset = full ? 0.f : 16.f * scale, range = full ? max : 219.f * scale;
  for (int y = 0; y < h; y++) {
    uint8_t *row = out + (size_t)y * w * 4;
    for (int x = 0; x < w; x++) {
      uint8_t a = to8(((float)sample(p, 0, x, y) - offset) / range);
      row[x * 4 + 3] = a;
      if (premultiplied) {
        for (int c = 0; c < 3; c++) {
          unsigned v = a ? (row[x * 4 + c] * 255u + a / 2) / a : 0;
          row[x * 4 + c] = v > 255 ? 255 : (uint8_t)v;
        }
      }
    }
  }
}

/**
 * `input` holds the colour item's AV1 data (`colour_size` bytes) and then the alpha item's
 * (`alpha_size`, 0 for none). `matrix` and `full_range` come from the container's nclx box, -1 when it
 * has none. `max_pixels` bounds each frame (the container's declared size: dav1d refuses a larger one
 * before allocating it).
 */
__attribute__((export_name("ad_decode"))) result_t *ad_decode(const uint8_t *input, size_t colour_size,
                                                             size_t alpha_size, int matrix, int full_range,
                                                             int premultiplied, unsigned max_pixels) {
  Dav1dPicture colour;
  decode_picture(input, colour_size, max_pixels, &colour);
  if (matrix < 0) matrix = colour.seq_hdr->mtrx;
  if (full_range < 0) full_range = colour.seq_hdr->color_range;
  result_t *result = calloc(1, sizeof(result_t));
  uint8_t *data = malloc((size_t)colour.p.w * colour.p.h * 4);
  if (!result || !data) host_fail("out of memory");
  *result = (result_t){
      .width = (uint32_t)colour.p.w,
      .height = (uint32_t)colour.p.h,
      .data = data,
      .depth = (uint32_t)colour.p.bpc,
      .primaries = colour.seq_hdr->pri,
      .transfer = colour.seq_hdr->trc,
      .matrix = (uint32_t)matrix,
  };
  to_rgba(&colour, matrix, full_range, data);
  dav1d_picture_unref(&colour);
  if (alpha_size) {
    Dav1dPicture alpha;
    decode_picture(input + colour_size, alpha_size, max_pixels, &alpha);
    if ((uint32_t)alpha.p.w != result->width || (uint32_t)alpha.p.h != result->height)
      host_fail("the alpha item's size differs from the image's");
    add_alpha(&alpha, premultiplied, data);
    dav1d_picture_unref(&alpha);
    result->alpha = 1;
  }
  return result;
}
