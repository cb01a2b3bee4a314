// Separable Lanczos3 resampling of RGBA8 images with WebAssembly SIMD. The horizontal pass streams
// source rows into a small ring of filtered rows; the vertical pass reads the ring, so memory stays
// at a few rows rather than a whole intermediate image. Two ways through, by the image's alpha:
//
// - Opaque images (every JPEG, and images with an alpha channel that is 255 throughout, as many
//   PNGs are): fixed point, as libvips resamples 8-bit images. Weights are 14-bit
//   integers summing to exactly 1 << 14; a pair of taps is one i32x4.dot_i16x8_s over the two
//   pixels' interleaved channels; filtered rows keep 4 bits below the 8 (16-bit lanes), so the
//   only rounding that reaches the output is the last one.
// - Images with alpha: one pixel is one f32x4 (R, G, B, A) in premultiplied alpha, so transparent
//   pixels do not bleed their colour; every tap is a vector multiply-add.
//
// Interface (one resize at a time; the module owns its linear memory):
//   begin(sw, sh, dw, dh, alpha) -> pointer to the source band, where the caller writes source rows
//                                   (0: no memory)
//   band_rows()                  -> how many rows the band holds: a few for opaque images (the source
//                                   streams through, so it never sits whole in this memory), all of
//                                   them with alpha (the opacity scan reads the whole image first)
//   feed(rows)                   -> takes the next `rows` (at most band_rows()) source rows from the
//                                   band, top to bottom; the band can then be written again. Returns
//                                   `rows`, or 0 when they do not fit (nothing taken)
//   run()                        -> pointer to dw*dh*4 result bytes, valid until the next begin()
// Built by wasm/build.mjs with clang (wasm32, -msimd128), no libc.
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#include "heap.h"
#include "opaque.h"


// --- Lanczos3 weights (double precision, computed once per resize) -----------------------------

#define PI 3.14159265358979323846
#define SUPPORT 3.0

// Out of line: called a few times per destination pixel, it is optimised on its own, quickly, and
// keeps the function that computes the weights small enough to optimise quickly too.
__attribute__((noinline)) static double sine(double x) {
  // Range-reduce to [-pi, pi], then to [-pi/2, pi/2] (sin(pi - x) = sin x), then a Taylor series to
  // x^17 (error below 1e-10): enough for weights, no libm needed.
  double turns = x / (2 * PI);
  x -= 2 * PI * (double)(long long)(turns + (turns >= 0 ? 0.5 : -0.5));
  if (x > PI / 2) x = PI - x;
  if (x < -PI / 2) x = -PI - x;
  double term = x, sum = x, x2 = x * x;
  for (int n = 1; n < 9; n++) {
    term *= -x2 / ((2 * n) * (2 * n + 1));
    sum += term;
  }
  return sum;
}

/**
 * The Lanczos3 weights at x0, x0 + step, ... (n of them): sinc(x) sinc(x / 3), with both sines
 * stepped by rotation (sin(a + d) = sin a cos d + cos a sin d) instead of a series per tap: four
 * series per destination pixel rather than two per tap, which matters most in V8's baseline tier.
 */
static void lanczos3_taps(double *values, double x0, double step, int32_t n) {
  const double a = PI * x0, da = PI * step;
  double sin_a = sine(a), cos_a = sine(a + PI / 2), sin_b = sine(a / SUPPORT), cos_b = sine(a / SUPPORT + PI / 2);
  const double sin_da = sine(da), cos_da = sine(da + PI / 2);
  const double sin_db = sine(da / SUPPORT), cos_db = sine(da / SUPPORT + PI / 2);
  for (int32_t k = 0; k < n; k++) {
    double x = x0 + k * step;
    if (x > -1e-9 && x < 1e-9) values[k] = 1;
    else if (x <= -SUPPORT || x >= SUPPORT) values[k] = 0;
    else values[k] = SUPPORT * sin_a * sin_b / (PI * PI * x * x);
    double next_a = sin_a * cos_da + cos_a * sin_da, next_b = sin_b * cos_db + cos_b * sin_db;
    cos_a = cos_a * cos_da - sin_a * sin_da, cos_b = cos_b * cos_db - sin_b * sin_db;
    sin_a = next_a, sin_b = next_b;
  }
}

typedef struct {
  int32_t *start;  // first source index per destination index
  int32_t *count;  // taps per destination index
  float *weights;  // `taps` floats per destination index, normalised to sum 1
  int32_t taps;    // stride of `weights`
  v128_t *pairs;   // (taps + 1) / 2 per destination index: taps 2j, 2j+1 as 14-bit i16, four times
} Contributions;

#define FIXED_BITS 14
#define ROW_BITS 4  // filtered rows of the fixed-point pass keep this many bits below the 8

/**
 * Destination pixel i's taps: where they start, how many, their weights as floats and as 14-bit
 * pairs. A function of its own, called per destination pixel: V8 optimises a function once it has
 * run enough code, and all destinations in one function crossed that line on every resize, for an
 * optimised compile that arrived after the loop was over; this way the later destinations use it.
 */
__attribute__((noinline)) static int weigh(Contributions *c, int32_t src, int32_t i, double scale, double stretch,
                                           double support) {
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
  lanczos3_taps(values, (left + 0.5 - centre) / stretch, 1 / stretch, n);
  for (int32_t k = 0; k < n; k++) total += values[k];
  for (int32_t k = 0; k < n; k++) w[k] = (float)(total != 0 ? values[k] / total : 0);
  c->start[i] = left;
  c->count[i] = n;
  // The same weights in 14 bits, rounded, the largest taking what rounding left over so that they
  // sum to exactly 1 << 14 (a flat area stays exactly flat); an odd last tap pairs with a zero.
  int16_t fixed[64 * 2 + 10];
  int16_t *q = n + 1 <= (int32_t)(sizeof fixed / sizeof fixed[0]) ? fixed : allocate(sizeof(int16_t) * (n + 1));
  if (!q) return 0;
  int32_t sum = 0, largest = 0;
  for (int32_t k = 0; k < n; k++) {
    double v = total != 0 ? values[k] / total * (1 << FIXED_BITS) : 0;
    q[k] = (int16_t)(v < 0 ? v - 0.5 : v + 0.5);
    sum += q[k];
    if (q[k] > q[largest]) largest = k;
  }
  if (n > 0) q[largest] = (int16_t)(q[largest] + (1 << FIXED_BITS) - sum);
  q[n] = 0;
  v128_t *pair = c->pairs + (size_t)i * ((c->taps + 1) / 2);
  for (int32_t k = 0; k < n; k += 2) pair[k / 2] = wasm_i32x4_splat((int32_t)(uint16_t)q[k] | (int32_t)q[k + 1] << 16);
  return 1;
}

static int contributions(Contributions *c, int32_t src, int32_t dst) {
  double scale = (double)src / dst;
  double stretch = scale > 1 ? scale : 1;  // widen the kernel when shrinking
  double support = SUPPORT * stretch;
  c->taps = (int32_t)(2 * support) + 2;
  c->start = allocate(sizeof(int32_t) * dst);
  c->count = allocate(sizeof(int32_t) * dst);
  c->weights = allocate(sizeof(float) * dst * c->taps);
  c->pairs = allocate(sizeof(v128_t) * dst * ((c->taps + 1) / 2));
  if (!c->start || !c->count || !c->weights || !c->pairs) return 0;
  for (int32_t i = 0; i < dst; i++)
    if (!weigh(c, src, i, scale, stretch, support)) return 0;
  return 1;
}

// --- the resize ---------------------------------------------------------------------------------

#define BAND_ROWS 16

static int32_t src_w, src_h, dst_w, dst_h, has_alpha, ring_rows;
static int32_t band_rows_, band_first, band_end;  // the band holds source rows [band_first, band_end)
static int32_t filtered, done;                      // source rows filtered, destination rows written
static uint8_t *src, *dst;                          // src: the band
static v128_t *row;   // one source row as premultiplied floats
static v128_t *ring;  // ring_rows horizontally filtered rows, dst_w pixels each
static v128_t *acc;   // one destination row being accumulated
static int16_t *ring16;         // the fixed-point pass's ring: ring_rows filtered rows, 4 x i16 a pixel
static const int16_t **window;  // its rows for one destination row, in tap order
static Contributions horizontal, vertical;

__attribute__((export_name("begin"))) uint8_t *begin(int32_t sw, int32_t sh, int32_t dw, int32_t dh, int32_t alpha) {
  heap_reset();
  if (sw < 1 || sh < 1 || dw < 1 || dh < 1) return 0;
  src_w = sw, src_h = sh, dst_w = dw, dst_h = dh, has_alpha = alpha;
  band_rows_ = alpha || sh < BAND_ROWS ? sh : BAND_ROWS;
  band_first = band_end = filtered = done = 0;
  src = allocate((size_t)sw * band_rows_ * 4);
  dst = allocate((size_t)dw * dh * 4);
  if (!src || !dst) return 0;
  if (!contributions(&horizontal, sw, dw) || !contributions(&vertical, sh, dh)) return 0;
  ring_rows = vertical.taps;
  ring16 = allocate(sizeof(int16_t) * 4 * dw * ring_rows);
  window = allocate(sizeof(int16_t *) * (ring_rows + 1));
  if (!ring16 || !window) return 0;
  if (!alpha) return src;
  row = allocate(sizeof(v128_t) * sw);
  acc = allocate(sizeof(v128_t) * dw);
  ring = allocate(sizeof(v128_t) * dw * ring_rows);
  return row && acc && ring ? src : 0;
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
  const uint8_t *in = src + (size_t)(y - band_first) * src_w * 4;
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

// --- the fixed-point pass, for opaque images ----------------------------------------------------

/** Two pixels' channels interleaved as u16 (R0 R1 G0 G1 B0 B1 A0 A1), for a dot with a tap pair. */
static inline v128_t pixel_pair(const uint8_t *p) {
  v128_t bytes = wasm_v128_load64_zero(p);
  return wasm_u16x8_extend_low_u8x16(wasm_i8x16_shuffle(bytes, bytes, 0, 4, 1, 5, 2, 6, 3, 7, 0, 4, 1, 5, 2, 6, 3, 7));
}

/** Source row y, filtered horizontally in fixed point into ring slot y % ring_rows. */
__attribute__((noinline)) static void filter_row_fixed(int32_t y) {
  const uint8_t *in = src + (size_t)(y - band_first) * src_w * 4;
  int16_t *out = ring16 + (size_t)(y % ring_rows) * dst_w * 4;
  const int32_t stride = (horizontal.taps + 1) / 2;
  const v128_t half = wasm_i32x4_splat(1 << (FIXED_BITS - ROW_BITS - 1));
  for (int32_t x = 0; x < dst_w; x++) {
    const v128_t *w = horizontal.pairs + (size_t)x * stride;
    const uint8_t *p = in + horizontal.start[x] * 4;
    v128_t sum = half;
    for (int32_t j = 0, n = (horizontal.count[x] + 1) / 2; j < n; j++)
      sum = wasm_i32x4_add(sum, wasm_i32x4_dot_i16x8(pixel_pair(p + j * 8), w[j]));
    v128_t value = wasm_i32x4_shr(sum, FIXED_BITS - ROW_BITS);
    wasm_v128_store64_lane(out + x * 4, wasm_i16x8_narrow_i32x4(value, value), 0);
  }
}

/** Destination row y from its filtered rows: pairs of rows, the channels interleaved as above. */
__attribute__((noinline)) static void output_row_fixed(int32_t y) {
  int32_t first = vertical.start[y], n = vertical.count[y], pairs = (n + 1) / 2;
  for (int32_t k = 0; k < n; k++) window[k] = ring16 + (size_t)((first + k) % ring_rows) * dst_w * 4;
  window[n] = window[n - 1];  // an odd last row pairs with itself, at weight 0
  const v128_t *w = vertical.pairs + (size_t)y * ((vertical.taps + 1) / 2);
  const v128_t half = wasm_i32x4_splat(1 << (FIXED_BITS + ROW_BITS - 1));
  uint8_t *out = dst + (size_t)y * dst_w * 4;
  int32_t x = 0;
  for (; x + 2 <= dst_w; x += 2) {  // two pixels at a time: one 128-bit load per row
    v128_t left = half, right = half;
    for (int32_t j = 0; j < pairs; j++) {
      v128_t a = wasm_v128_load(window[2 * j] + x * 4), b = wasm_v128_load(window[2 * j + 1] + x * 4);
      left = wasm_i32x4_add(left, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), w[j]));
      right = wasm_i32x4_add(right, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15), w[j]));
    }
    v128_t narrow = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(left, FIXED_BITS + ROW_BITS),
                                            wasm_i32x4_shr(right, FIXED_BITS + ROW_BITS));
    wasm_v128_store64_lane(out + x * 4, wasm_u8x16_narrow_i16x8(narrow, narrow), 0);
  }
  for (; x < dst_w; x++) {
    v128_t sum = half;
    for (int32_t j = 0; j < pairs; j++) {
      v128_t a = wasm_v128_load64_zero(window[2 * j] + x * 4), b = wasm_v128_load64_zero(window[2 * j + 1] + x * 4);
      sum = wasm_i32x4_add(sum, wasm_i32x4_dot_i16x8(wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11), w[j]));
    }
    v128_t value = wasm_i32x4_shr(sum, FIXED_BITS + ROW_BITS);
    v128_t narrow = wasm_i16x8_narrow_i32x4(value, value);
    wasm_v128_store32_lane(out + x * 4, wasm_u8x16_narrow_i16x8(narrow, narrow), 0);
  }
}

/** Whether every pixel of the source has alpha 255 (then premultiplying changes nothing). */
static int opaque(void) { return all_opaque(src, (size_t)src_w * src_h); }

__attribute__((export_name("band_rows"))) int32_t band_rows(void) { return band_rows_; }

/** Writes every destination row whose source rows are filtered or in the band, in order. */
static void advance(void) {
  for (; done < dst_h; done++) {
    int32_t needed = vertical.start[done] + vertical.count[done];
    if (needed > band_end) return;  // waits for the next band
    if (has_alpha) {
      while (filtered < needed) filter_row(filtered++);
      accumulate_row(done);
      store_row(done);
    } else {
      while (filtered < needed) filter_row_fixed(filtered++);
      output_row_fixed(done);
    }
  }
}

__attribute__((export_name("feed"))) int32_t feed(int32_t rows) {
  if (rows < 1 || rows > band_rows_ || band_end + rows > src_h) return 0;
  if (band_end == 0 && has_alpha && opaque()) has_alpha = 0;
  band_first = band_end, band_end += rows;
  advance();
  // The band's other rows are filtered before the caller overwrites it. They fit in the ring: the
  // waiting destination row needs a source row past the band, so its first is less than `taps` rows
  // before the band's end, and every row before that first is done with.
  if (done < dst_h)
    while (filtered < band_end) has_alpha ? filter_row(filtered++) : filter_row_fixed(filtered++);
  return rows;
}

__attribute__((export_name("run"))) uint8_t *run(void) {
  advance();
  return dst;
}
