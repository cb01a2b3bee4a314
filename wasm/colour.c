/*
 * Colour management with Debian's LittleCMS 2 (wasm/debian/sources.json), our own glue: from an
 * embedded ICC profile to sRGB, as libvips does for sharp: to libvips's own sRGB profile, perceptual
 * intent (which matrix/TRC profiles resolve colorimetrically), black point compensation as it ends up
 * applying it. One transform per profile, kept
 * by the host and reused. Pixels are converted in place, in RGBA layout:
 *  - RGB profiles: RGBA to RGBA, alpha untouched;
 *  - grey profiles: the grey value (R of RGBA) through a 256-entry table to RGB;
 *  - CMYK profiles: CMYK (0 = no ink) to RGBA, opaque.
 * A profile that cannot be read or built into a transform gives 0, with LittleCMS's reason kept for
 * the host's log.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wasm_simd128.h>

#include "lcms2.h"
#include "default-cmyk.h"
#include "srgb-profile.h"

enum kind { KIND_RGB = 1, KIND_GREY = 2, KIND_CMYK = 3, KIND_IDENTITY = 4 };

/*
 * An RGB transform's own tables, when LittleCMS's optimiser made it a matrix between two shapers
 * (MatShaperEval16: every matrix/TRC profile to sRGB, so most wide-gamut photos; our edit to
 * cmsopt.c hands them over). `rgb_apply` evaluates them as MatShaperEval16 does, to the same bits,
 * with the three output channels in SIMD lanes; LittleCMS's own loop spent most of its time in its
 * per-pixel formatters and indirect calls (29 ns a pixel, against about 8 here: bench/README.md).
 */
int edge_matshaper(cmsHTRANSFORM transform, const cmsInt32Number *shaper1[3], cmsInt32Number matrix[3][4],
                   const cmsUInt16Number *shaper2[3]);

typedef struct {
  const int32_t *shaper1[3];  /* per channel, 8 bits to 1.14 fixed point */
  v128_t column[3];           /* the matrix's columns, one output channel per lane */
  v128_t offset;              /* its offsets, plus the rounding of >> 14 */
  const uint16_t *shaper2[3]; /* per channel, 1.14 (0..16384) to 16 bits */
} matshaper_t;

typedef struct {
  cmsHTRANSFORM transform;
  int kind;
  uint8_t grey[256 * 3];
  int fast; /* `matshaper` holds the transform's tables */
  matshaper_t matshaper;
} colour_t;

static int matshaper_of(cmsHTRANSFORM transform, matshaper_t *m) {
  cmsInt32Number matrix[3][4];
  if (!edge_matshaper(transform, m->shaper1, matrix, m->shaper2)) return 0;
  for (int c = 0; c < 3; c++) m->column[c] = wasm_i32x4_make(matrix[0][c], matrix[1][c], matrix[2][c], 0);
  m->offset = wasm_i32x4_make(matrix[0][3] + 0x2000, matrix[1][3] + 0x2000, matrix[2][3] + 0x2000, 0);
  return 1;
}

static uint8_t to_8(uint32_t value) { return (uint8_t)((value * 65281u + 8388608u) >> 24); }

static void rgb_apply(const matshaper_t *m, uint8_t *pixels, size_t count) {
  const v128_t low = wasm_i32x4_splat(0), high = wasm_i32x4_splat(16384);
  for (size_t i = 0; i < count; i++) {
    uint8_t *pixel = pixels + i * 4;
    v128_t l = wasm_i32x4_add(
        wasm_i32x4_add(wasm_i32x4_mul(m->column[0], wasm_i32x4_splat(m->shaper1[0][pixel[0]])),
                       wasm_i32x4_mul(m->column[1], wasm_i32x4_splat(m->shaper1[1][pixel[1]]))),
        wasm_i32x4_add(wasm_i32x4_mul(m->column[2], wasm_i32x4_splat(m->shaper1[2][pixel[2]])), m->offset));
    l = wasm_i32x4_min(wasm_i32x4_max(wasm_i32x4_shr(l, 14), low), high);
    /* 16 to 8 bits as LittleCMS's packer does */
    pixel[0] = to_8(m->shaper2[0][wasm_i32x4_extract_lane(l, 0)]);
    pixel[1] = to_8(m->shaper2[1][wasm_i32x4_extract_lane(l, 1)]);
    pixel[2] = to_8(m->shaper2[2][wasm_i32x4_extract_lane(l, 2)]);
  }
}

static char last_error[256];

static void on_error(cmsContext context, cmsUInt32Number code, const char *text) {
  (void)context;
  (void)code;
  strncpy(last_error, text, sizeof last_error - 1);
}

__attribute__((export_name("cs_alloc"))) uint8_t *cs_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("cs_free"))) void cs_free(void *pointer) { free(pointer); }
__attribute__((export_name("cs_error"))) const char *cs_error(void) { return last_error; }

static int kind_of(cmsHPROFILE profile) {
  switch (cmsGetColorSpace(profile)) {
    case cmsSigRgbData:
      return KIND_RGB;
    case cmsSigGrayData:
      return KIND_GREY;
    case cmsSigCmykData:
      return KIND_CMYK;
    default:
      return 0;
  }
}

/**
 * Whether an RGB transform leaves every colour where it is (within one level): checked on a 17^3 grid
 * of colours, which the transform's own interpolation cannot hide a difference between.
 */
static int is_identity(cmsHTRANSFORM transform) {
  enum { N = 17, COUNT = N * N * N };
  static uint8_t in[COUNT * 4], out[COUNT * 4];
  for (int i = 0; i < COUNT; i++) {
    in[i * 4] = (uint8_t)((i / (N * N)) * 255 / (N - 1));
    in[i * 4 + 1] = (uint8_t)((i / N % N) * 255 / (N - 1));
    in[i * 4 + 2] = (uint8_t)((i % N) * 255 / (N - 1));
    in[i * 4 + 3] = 255;
  }
  memcpy(out, in, sizeof out);
  cmsDoTransform(transform, in, out, COUNT);
  for (int i = 0; i < COUNT * 4; i++) {
    int difference = (int)in[i] - (int)out[i];
    if (difference > 1 || difference < -1) return 0;
  }
  return 1;
}

/**
 * A transform from `icc` to sRGB, or 0. `cmyk` says what the pixels are: CMYK needs a CMYK profile.
 * `table` (the default CMYK profile, already sharp's colours): one relative colorimetric step.
 */
static colour_t *open_transform(const uint8_t *icc, size_t length, int cmyk, int table) {
  static int ready;
  if (!ready) {
    cmsSetLogErrorHandler(on_error);
    ready = 1;
  }
  last_error[0] = 0;
  cmsHPROFILE input = cmsOpenProfileFromMem(icc, length);
  if (!input) return 0;
  int kind = kind_of(input);
  if (!kind || (kind == KIND_CMYK) != (cmyk != 0)) {
    strncpy(last_error, kind ? "profile does not match the image's colour space" : "unsupported colour space",
            sizeof last_error - 1);
    cmsCloseProfile(input);
    return 0;
  }
  // libvips's own sRGB profile: LittleCMS's built-in one is v4, which changes how perceptual
  // conversions from v2 profiles place black.
  cmsHPROFILE srgb = cmsOpenProfileFromMem(srgb_profile, srgb_profile_length);
  colour_t *colour = calloc(1, sizeof(colour_t));
  cmsUInt32Number in_format = kind == KIND_RGB ? TYPE_RGBA_8 : kind == KIND_GREY ? TYPE_GRAY_8 : TYPE_CMYK_8;
  cmsUInt32Number out_format = kind == KIND_GREY ? TYPE_RGB_8 : TYPE_RGBA_8;
  // libvips converts in two steps, to Lab through LittleCMS's v4 Lab profile and from there, and
  // LittleCMS forces black point compensation on the perceptual step into a v4 profile: the input's
  // black becomes the v4 perceptual black (L* 3.1), not sRGB's zero. The same chain here, which
  // LittleCMS then optimises into one transform.
  // No cmsFLAGS_COPY_ALPHA: cs_apply copies each chunk (alpha included) to the output first, and
  // LittleCMS then skips the alpha byte; copying it again per pixel cost a tenth of the transform.
  cmsUInt32Number flags = 0;
  cmsHPROFILE lab = cmsCreateLab4Profile(NULL);
  cmsHPROFILE chain[3] = {input, lab, srgb};
  cmsHTRANSFORM transform =
      !colour || !srgb || !lab ? 0
      : table ? cmsCreateTransform(input, in_format, srgb, out_format, INTENT_RELATIVE_COLORIMETRIC, flags)
              : cmsCreateMultiprofileTransform(chain, 3, in_format, out_format, INTENT_PERCEPTUAL, flags);
  if (lab) cmsCloseProfile(lab);
  cmsCloseProfile(input);
  if (srgb) cmsCloseProfile(srgb);
  if (!transform) {
    free(colour);
    return 0;
  }
  colour->kind = kind;
  if (kind == KIND_RGB && is_identity(transform)) {
    // An sRGB profile (most cameras and exports embed one): nothing to do, and nothing to pay.
    cmsDeleteTransform(transform);
    colour->kind = KIND_IDENTITY;
    return colour;
  }
  if (kind == KIND_GREY) {
    uint8_t ramp[256];
    for (int i = 0; i < 256; i++) ramp[i] = (uint8_t)i;
    cmsDoTransform(transform, ramp, colour->grey, 256);
    cmsDeleteTransform(transform);
  } else {
    colour->transform = transform;
    colour->fast = kind == KIND_RGB && matshaper_of(transform, &colour->matshaper);
  }
  return colour;
}

/** A transform for CMYK pixels without a usable profile of their own: libvips's, as sharp assumes. */
__attribute__((export_name("cs_open_default_cmyk"))) colour_t *cs_open_default_cmyk(void) {
  return open_transform(default_cmyk, default_cmyk_length, 1, 1);
}

static int is_libvips_cmyk(const uint8_t *icc, size_t length) {
  if (length != LIBVIPS_CMYK_LENGTH) return 0;
  uint32_t hash = 0x811c9dc5u;
  for (size_t i = 0; i < length; i++) hash = (hash ^ icc[i]) * 0x01000193u;
  return hash == LIBVIPS_CMYK_FNV1A;
}

__attribute__((export_name("cs_open"))) colour_t *cs_open(const uint8_t *icc, size_t length, int cmyk) {
  if (cmyk && is_libvips_cmyk(icc, length)) return cs_open_default_cmyk();
  return open_transform(icc, length, cmyk, 0);
}

#define CHUNK 2048

/** 1 when the transform changes nothing (an sRGB profile): the host need not apply it. */
__attribute__((export_name("cs_is_identity"))) int cs_is_identity(const colour_t *colour) {
  return colour->kind == KIND_IDENTITY;
}

__attribute__((export_name("cs_apply"))) void cs_apply(colour_t *colour, uint8_t *pixels, size_t count) {
  if (colour->kind == KIND_IDENTITY) return;
  if (colour->fast) {
    rgb_apply(&colour->matshaper, pixels, count);
    return;
  }
  if (colour->kind == KIND_GREY) {
    for (size_t i = 0; i < count; i++) {
      const uint8_t *rgb = colour->grey + pixels[i * 4] * 3;
      pixels[i * 4] = rgb[0];
      pixels[i * 4 + 1] = rgb[1];
      pixels[i * 4 + 2] = rgb[2];
    }
    return;
  }
  // Through a small buffer: input and output share a layout but LittleCMS reads ahead in places.
  uint8_t out[CHUNK * 4];
  for (size_t done = 0; done < count; done += CHUNK) {
    size_t n = count - done < CHUNK ? count - done : CHUNK;
    uint8_t *at = pixels + done * 4;
    if (colour->kind == KIND_RGB) memcpy(out, at, n * 4); // alpha comes along
    cmsDoTransform(colour->transform, at, out, (cmsUInt32Number)n);
    if (colour->kind == KIND_CMYK)
      for (size_t i = 0; i < n; i++) out[i * 4 + 3] = 255;
    memcpy(at, out, n * 4);
  }
}

__attribute__((export_name("cs_close"))) void cs_close(colour_t *colour) {
  if (!colour) return;
  if (colour->transform) cmsDeleteTransform(colour->transform);
  free(colour);
}
