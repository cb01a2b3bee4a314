// Separable Lanczos3 resampling of RGBA8 images, in premultiplied alpha, with WebAssembly SIMD.
//
// One pixel is one f32x4 (R, G, B, A), so every tap is a single vector multiply-add. The horizontal
// pass streams source rows into a small ring of filtered rows; the vertical pass reads the ring, so
// memory stays at a few rows of floats rather than a whole intermediate image.
//
// Interface (one resize at a time; the module owns its linear memory):
//   begin(sw, sh, dw, dh, alpha) -> pointer where the caller writes sw*sh*4 source bytes (0: no memory)
//   run()                        -> pointer to dw*dh*4 result bytes, valid until the next begin()
// Built by wasm/build.mjs with clang (wasm32, -msimd128), no libc.
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#include "heap.h"


// --- Lanczos3 weights (double precision, computed once per resize) -----------------------------

#define PI 3.14159265358979323846
#define SUPPORT 3.0

static double sine(double x) {
  // Range-reduce to [-pi, pi], then a Taylor series: enough for weights, no libm needed.
  double turns = x / (2 * PI);
  x -= 2 * PI * (double)(long long)(turns + (turns >= 0 ? 0.5 : -0.5));
  double term = x, sum = x, x2 = x * x;
  for (int n = 1; n < 12; n++) {
    term *= -x2 / ((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}

static double sinc(double x) {
  if (x == 0) return 1;
  double px = PI * x;
  return sine(px) / px;
}

static double lanczos3(double x) {
  if (x < 0) x = -x;
  return x < SUPPORT ? sinc(x) * sinc(x / SUPPORT) : 0;
}

typedef struct {
  int32_t *start;  // first source index per destination index
  int32_t *count;  // taps per destination index
  float *weights;  // `taps` floats per destination index, normalised to sum 1
  int32_t taps;    // stride of `weights`
} Contributions;

static int contributions(Contributions *c, int32_t src, int32_t dst) {
  double scale = (double)src / dst;
  double stretch = scale > 1 ? scale : 1;  // widen the kernel when shrinking
  double support = SUPPORT * stretch;
  c->taps = (int32_t)(2 * support) + 2;
  c->start = allocate(sizeof(int32_t) * dst);
  c->count = allocate(sizeof(int32_t) * dst);
  c->weights = allocate(sizeof(float) * dst * c->taps);
  if (!c->start || !c->count || !c->weights) return 0;
  for (int32_t i = 0; i < dst; i++) {
    double centre = (i + 0.5) * scale;
    int32_t left = (int32_t)(centre - support + 0.5);
    int32_t right = (int32_t)(centre + support + 0.5);
    if (left < 0) left = 0;
    if (right > src) right = src;
    int32_t n = right - left;
    if (n > c->taps) n = c->taps;
    double total = 0;
    float *w = c->weights + (size_t)i * c->taps;
    double raw[64 * 2 + 8];
    double *values = n <= (int32_t)(sizeof raw / sizeof raw[0]) ? raw : allocate(sizeof(double) * n);
    if (!values) return 0;
    for (int32_t k = 0; k < n; k++) {
      values[k] = lanczos3((left + k + 0.5 - centre) / stretch);
      total += values[k];
    }
    for (int32_t k = 0; k < n; k++) w[k] = (float)(total != 0 ? values[k] / total : 0);
    c->start[i] = left;
    c->count[i] = n;
  }
  return 1;
}

// --- the resize ---------------------------------------------------------------------------------

static int32_t src_w, src_h, dst_w, dst_h, has_alpha, ring_rows;
static uint8_t *src, *dst;
static v128_t *row;   // one source row as premultiplied floats
static v128_t *ring;  // ring_rows horizontally filtered rows, dst_w pixels each
static v128_t *acc;   // one destination row being accumulated
static Contributions horizontal, vertical;

__attribute__((export_name("begin"))) uint8_t *begin(int32_t sw, int32_t sh, int32_t dw, int32_t dh, int32_t alpha) {
  heap_reset();
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1) return 0;
  src_w = sw, src_h = sh, dst_w = dw, dst_h = dh, has_alpha = alpha;
  src = allocate((size_t)sw * sh * 4);
  dst = allocate((size_t)dw * dh * 4);
  row = allocate(sizeof(v128_t) * sw);
  acc = allocate(sizeof(v128_t) * dw);
  if (!src || !dst || !row || !acc) return 0;
  if (!contributions(&horizontal, sw, dw) || !contributions(&vertical, sh, dh)) return 0;
  ring_rows = vertical.taps;
  ring = allocate(sizeof(v128_t) * dw * ring_rows);
  return ring ? src : 0;
}

static inline v128_t load_pixel(const uint8_t *p) {
  v128_t bytes = wasm_v128_load32_zero(p);
  return wasm_f32x4_convert_u32x4(wasm_u32x4_extend_low_u16x8(wasm_u16x8_extend_low_u8x16(bytes)));
}

// The per-row steps stay separate functions: V8 first runs new WebAssembly in its baseline tier and
// swaps in optimised code only when a function is called again, so one inlined loop over the whole
// image would run unoptimised for the entire first resize.

/** Source row y -> premultiplied floats -> horizontally filtered into ring slot y % ring_rows. */
__attribute__((noinline)) static void filter_row(int32_t y) {
  const uint8_t *in = src + (size_t)y * src_w * 4;
  const v128_t scale_alpha = wasm_f32x4_splat(1.0f / 255);
  for (int32_t x = 0; x < src_w; x++) {
    v128_t p = load_pixel(in + x * 4);
    if (has_alpha) {
      v128_t a = wasm_f32x4_mul(wasm_i32x4_shuffle(p, p, 3, 3, 3, 3), scale_alpha);
      p = wasm_i32x4_shuffle(wasm_f32x4_mul(p, a), p, 0, 1, 2, 7);  // keep alpha itself unscaled
    }
    row[x] = p;
  }
  v128_t *out = ring + (size_t)(y % ring_rows) * dst_w;
  for (int32_t x = 0; x < dst_w; x++) {
    const float *w = horizontal.weights + (size_t)x * horizontal.taps;
    const v128_t *p = row + horizontal.start[x];
    v128_t sum = wasm_f32x4_splat(0);
    for (int32_t k = 0, n = horizontal.count[x]; k < n; k++) sum = wasm_f32x4_add(sum, wasm_f32x4_mul(p[k], wasm_f32x4_splat(w[k])));
    out[x] = sum;
  }
}

__attribute__((noinline)) static void store_row(int32_t y) {
  uint8_t *out = dst + (size_t)y * dst_w * 4;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int32_t x = 0; x < dst_w; x++) {
    v128_t p = acc[x];
    if (has_alpha) {
      float a = wasm_f32x4_extract_lane(p, 3);
      float inverse = a > 0.5f ? 255.0f / a : 0;
      p = wasm_f32x4_mul(p, wasm_f32x4_make(inverse, inverse, inverse, 1));
    }
    v128_t i = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(p, half));
    v128_t s = wasm_i16x8_narrow_i32x4(i, i);
    wasm_v128_store32_lane(out + x * 4, wasm_u8x16_narrow_i16x8(s, s), 0);
  }
}

/** Destination row y: the weighted sum of its source rows, already filtered horizontally. */
__attribute__((noinline)) static void accumulate_row(int32_t y) {
  int32_t first = vertical.start[y], n = vertical.count[y];
  const float *w = vertical.weights + (size_t)y * vertical.taps;
  for (int32_t x = 0; x < dst_w; x++) acc[x] = wasm_f32x4_splat(0);
  for (int32_t k = 0; k < n; k++) {
    const v128_t *in = ring + (size_t)((first + k) % ring_rows) * dst_w;
    v128_t weight = wasm_f32x4_splat(w[k]);
    for (int32_t x = 0; x < dst_w; x++) acc[x] = wasm_f32x4_add(acc[x], wasm_f32x4_mul(in[x], weight));
  }
}

__attribute__((export_name("run"))) uint8_t *run(void) {
  int32_t filtered = 0;  // source rows filtered so far
  for (int32_t y = 0; y < dst_h; y++) {
    while (filtered < vertical.start[y] + vertical.count[y]) filter_row(filtered++);
    accumulate_row(y);
    store_row(y);
  }
  return dst;
}
