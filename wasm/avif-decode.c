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
#include <wasm_simd128.h>

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

/** Row `y` of a plane as floats (8-bit or 16-bit samples). */
static void load_row(const Dav1dPicture *p, int plane, int y, int width, float *out) {
  const uint8_t *row = (const uint8_t *)p->data[plane] + p->stride[plane > 0] * y;
  if (p->p.bpc > 8) {
    const uint16_t *wide = (const uint16_t *)row;
    for (int x = 0; x < width; x++) out[x] = (float)wide[x];
  } else {
    for (int x = 0; x < width; x++) out[x] = (float)row[x];
  }
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

/**
 * The chroma of plane `plane` at luma row `y`, upsampled to `width` samples: bilinear with 3:1
 * weights, the chroma sample centred between its luma samples (edges repeat).
 */
static void chroma_row(const Dav1dPicture *p, int plane, int y, int sx, int sy, int width, float *near,
                       float *far, float *out) {
  int cw = (width + sx) >> sx, ch = (p->p.h + sy) >> sy;
  int cy = y >> sy;
  load_row(p, plane, cy, cw, near);
  if (sy) {
    int ny = (y & 1) ? cy + 1 : cy - 1;
    ny = ny < 0 ? 0 : ny >= ch ? ch - 1 : ny;
    load_row(p, plane, ny, cw, far);
    for (int x = 0; x < cw; x++) near[x] = 0.75f * near[x] + 0.25f * far[x];
  }
  if (!sx) {
    for (int x = 0; x < width; x++) out[x] = near[x];
    return;
  }
  for (int cx = 0; cx < cw; cx++) {
    float left = near[cx > 0 ? cx - 1 : 0], right = near[cx + 1 < cw ? cx + 1 : cw - 1];
    out[2 * cx] = 0.75f * near[cx] + 0.25f * left;
    if (2 * cx + 1 < width) out[2 * cx + 1] = 0.75f * near[cx] + 0.25f * right;
  }
}

static void to_rgba(const Dav1dPicture *p, int matrix, int full_range, uint8_t *out) {
  int w = p->p.w, h = p->p.h, depth = p->p.bpc;
  float max = (float)((1 << depth) - 1), mid = (float)(1 << (depth - 1)), scale = (float)(1 << (depth - 8));
  float y_offset = full_range ? 0.f : 16.f * scale, y_range = full_range ? max : 219.f * scale;
  float c_range = full_range ? max : 224.f * scale;
  int grey = p->p.layout == DAV1D_PIXEL_LAYOUT_I400;
  int sx = p->p.layout == DAV1D_PIXEL_LAYOUT_I420 || p->p.layout == DAV1D_PIXEL_LAYOUT_I422;
  int sy = p->p.layout == DAV1D_PIXEL_LAYOUT_I420;
  float kr, kb;
  coefficients(matrix, &kr, &kb);
  float kg = 1.f - kr - kb;
  // Per unit of chroma (after centring): R = Y + rv V, G = Y - gu U - gv V, B = Y + bu U.
  float rv = 2.f * (1.f - kr), bu = 2.f * (1.f - kb);
  float gu = 2.f * kb * (1.f - kb) / kg, gv = 2.f * kr * (1.f - kr) / kg;
  float *rows = malloc(sizeof(float) * (size_t)w * 5);
  if (!rows) host_fail("out of memory");
  float *luma = rows, *u = rows + w, *v = rows + 2 * w, *near = rows + 3 * w, *far = rows + 4 * w;
  for (int y = 0; y < h; y++) {
    uint8_t *row = out + (size_t)y * w * 4;
    load_row(p, 0, y, w, luma);
    for (int x = 0; x < w; x++) luma[x] = (luma[x] - y_offset) / y_range;
    if (grey) {
      for (int x = 0; x < w; x++) {
        uint8_t g = to8(luma[x]);
        row[x * 4] = row[x * 4 + 1] = row[x * 4 + 2] = g, row[x * 4 + 3] = 255;
      }
      continue;
    }
    chroma_row(p, 1, y, sx, sy, w, near, far, u);
    chroma_row(p, 2, y, sx, sy, w, near, far, v);
    if (matrix == DAV1D_MC_IDENTITY) { // GBR: every plane scaled as luma
      for (int x = 0; x < w; x++) {
        row[x * 4] = to8((v[x] - y_offset) / y_range);
        row[x * 4 + 1] = to8(luma[x]);
        row[x * 4 + 2] = to8((u[x] - y_offset) / y_range);
        row[x * 4 + 3] = 255;
      }
    } else if (matrix == DAV1D_MC_SMPTE_YCGCO) {
      for (int x = 0; x < w; x++) {
        float cg = (u[x] - mid) / c_range, co = (v[x] - mid) / c_range, t = luma[x] - cg;
        row[x * 4] = to8(t + co);
        row[x * 4 + 1] = to8(luma[x] + cg);
        row[x * 4 + 2] = to8(t - co);
        row[x * 4 + 3] = 255;
      }
    } else {
      int x = 0;
      // Four pixels at a time: R, G, B as f32x4, scaled to 0-255, packed into RGBA words.
      v128_t m = wasm_f32x4_splat(mid), inverse = wasm_f32x4_splat(1.f / c_range);
      v128_t zero = wasm_f32x4_splat(0.f), top = wasm_f32x4_splat(255.f), half = wasm_f32x4_splat(0.5f);
      v128_t opaque = wasm_i32x4_splat((int32_t)0xff000000);
      for (; x + 4 <= w; x += 4) {
        v128_t l = wasm_f32x4_mul(wasm_v128_load(luma + x), top);
        v128_t cb = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(u + x), m), inverse), top);
        v128_t cr = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(v + x), m), inverse), top);
        v128_t r = wasm_f32x4_add(l, wasm_f32x4_mul(wasm_f32x4_splat(rv), cr));
        v128_t g = wasm_f32x4_sub(wasm_f32x4_sub(l, wasm_f32x4_mul(wasm_f32x4_splat(gu), cb)),
                                  wasm_f32x4_mul(wasm_f32x4_splat(gv), cr));
        v128_t b = wasm_f32x4_add(l, wasm_f32x4_mul(wasm_f32x4_splat(bu), cb));
#define BYTE(c) wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(wasm_f32x4_min(wasm_f32x4_max(c, zero), top), half))
        v128_t rgba = wasm_v128_or(wasm_v128_or(BYTE(r), wasm_i32x4_shl(BYTE(g), 8)),
                                   wasm_v128_or(wasm_i32x4_shl(BYTE(b), 16), opaque));
#undef BYTE
        wasm_v128_store(row + x * 4, rgba);
      }
      for (; x < w; x++) {
        float cb = (u[x] - mid) / c_range, cr = (v[x] - mid) / c_range;
        row[x * 4] = to8(luma[x] + rv * cr);
        row[x * 4 + 1] = to8(luma[x] - gu * cb - gv * cr);
        row[x * 4 + 2] = to8(luma[x] + bu * cb);
        row[x * 4 + 3] = 255;
      }
    }
  }
  free(rows);
}

static void add_alpha(const Dav1dPicture *p, int premultiplied, uint8_t *out) {
  int w = p->p.w, h = p->p.h, full = p->seq_hdr->color_range;
  float scale = (float)(1 << (p->p.bpc - 8)), max = (float)((1 << p->p.bpc) - 1);
  float offset = full ? 0.f : 16.f * scale, range = full ? max : 219.f * scale;
  float *alpha = malloc(sizeof(float) * (size_t)w);
  if (!alpha) host_fail("out of memory");
  for (int y = 0; y < h; y++) {
    uint8_t *row = out + (size_t)y * w * 4;
    load_row(p, 0, y, w, alpha);
    for (int x = 0; x < w; x++) row[x * 4 + 3] = to8((alpha[x] - offset) / range);
    if (!premultiplied) continue;
    for (int x = 0; x < w; x++) {
      unsigned a = row[x * 4 + 3];
      for (int c = 0; c < 3; c++) {
        unsigned value = a ? (row[x * 4 + c] * 255u + a / 2) / a : 0;
        row[x * 4 + c] = value > 255 ? 255 : (uint8_t)value;
      }
    }
  }
  free(alpha);
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
