// A baseline JPEG encoder (JFIF, YCbCr, 4:2:0 or 4:4:4 chroma, libjpeg's quality scaling of the
// Annex K tables, Huffman tables optimised per image) for RGBA8; alpha is ignored.
//
// Two passes: the first converts, transforms and quantises every block into memory and counts
// symbols; the second builds optimal Huffman tables (ITU T.81 Annex K.2, as libjpeg does) and writes.
// SIMD128 throughout the first pass (four pixels' colour conversion at a time, the DCT four rows or
// columns at a time); both passes walk a block's nonzero coefficients through a 64-bit mask, and the
// writer flushes 32 bits at a time when none of the four bytes needs stuffing.
// Built by wasm/build.mjs with clang (wasm32, -msimd128), no libc.
//
// Interface (one encode at a time; the module owns its linear memory):
//   begin(width, height) -> pointer where the caller writes width*height*4 RGBA bytes (0: no memory)
//   encode(quality, subsample) -> byte length of the JPEG (0: failure); jpeg() -> pointer to it
//                           (subsample 1: 4:2:0, as sharp by default; 0: 4:4:4)
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#include "heap.h"


// --- tables -------------------------------------------------------------------------------------

static const uint8_t ZIGZAG[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// ITU T.81 Annex K.1, in natural (row-major) order.
static const uint8_t LUMA_Q[64] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static const uint8_t CHROMA_Q[64] = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

static const float AAN[8] = {1.0f, 1.387039845f, 1.306562965f, 1.175875602f,
                             1.0f, 0.785694958f, 0.541196100f, 0.275899379f};

typedef struct {
  uint8_t quant[64];     // natural order, as written to DQT (in zigzag)
  float reciprocal[64];  // 1 / (quant * AAN scaling * 8), natural order
} Quant;

static Quant luma_q, chroma_q;

/** libjpeg's jpeg_quality_scaling and jpeg_add_quant_table, baseline-limited to 255. */
static void make_quant(Quant *q, const uint8_t *base, int quality) {
  int scale = quality < 50 ? 5000 / quality : 200 - quality * 2;
  for (int i = 0; i < 64; i++) {
    int v = (base[i] * scale + 50) / 100;
    q->quant[i] = (uint8_t)(v < 1 ? 1 : v > 255 ? 255 : v);
    q->reciprocal[i] = 1.0f / ((float)q->quant[i] * AAN[i >> 3] * AAN[i & 7] * 8.0f);
  }
}

// --- forward DCT (AAN, floating point, as libjpeg's jfdctflt.c) ---------------------------------
//
// Four 1-D transforms at once, one per SIMD lane: each of d[0..7] holds the k-th sample of four rows
// (or columns). The same operations in the same order as the scalar transform, so the same bits.

static inline void dct_1d(v128_t *d) {
  v128_t t0 = wasm_f32x4_add(d[0], d[7]), t7 = wasm_f32x4_sub(d[0], d[7]);
  v128_t t1 = wasm_f32x4_add(d[1], d[6]), t6 = wasm_f32x4_sub(d[1], d[6]);
  v128_t t2 = wasm_f32x4_add(d[2], d[5]), t5 = wasm_f32x4_sub(d[2], d[5]);
  v128_t t3 = wasm_f32x4_add(d[3], d[4]), t4 = wasm_f32x4_sub(d[3], d[4]);
  v128_t t10 = wasm_f32x4_add(t0, t3), t13 = wasm_f32x4_sub(t0, t3);
  v128_t t11 = wasm_f32x4_add(t1, t2), t12 = wasm_f32x4_sub(t1, t2);
  d[0] = wasm_f32x4_add(t10, t11);
  d[4] = wasm_f32x4_sub(t10, t11);
  v128_t z1 = wasm_f32x4_mul(wasm_f32x4_add(t12, t13), wasm_f32x4_splat(0.707106781f));
  d[2] = wasm_f32x4_add(t13, z1);
  d[6] = wasm_f32x4_sub(t13, z1);
  t10 = wasm_f32x4_add(t4, t5);
  t11 = wasm_f32x4_add(t5, t6);
  t12 = wasm_f32x4_add(t6, t7);
  v128_t z5 = wasm_f32x4_mul(wasm_f32x4_sub(t10, t12), wasm_f32x4_splat(0.382683433f));
  v128_t z2 = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(0.541196100f), t10), z5);
  v128_t z4 = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(1.306562965f), t12), z5);
  v128_t z3 = wasm_f32x4_mul(t11, wasm_f32x4_splat(0.707106781f));
  v128_t z11 = wasm_f32x4_add(t7, z3), z13 = wasm_f32x4_sub(t7, z3);
  d[5] = wasm_f32x4_add(z13, z2);
  d[3] = wasm_f32x4_sub(z13, z2);
  d[1] = wasm_f32x4_add(z11, z4);
  d[7] = wasm_f32x4_sub(z11, z4);
}

/** Transposes a 4x4 block of lanes: vectors in[0], in[step_in], ... to out[0], out[step_out], ... */
static inline void transpose4(const v128_t *in, int step_in, v128_t *out, int step_out) {
  v128_t a = wasm_i32x4_shuffle(in[0], in[step_in], 0, 4, 1, 5);
  v128_t b = wasm_i32x4_shuffle(in[0], in[step_in], 2, 6, 3, 7);
  v128_t c = wasm_i32x4_shuffle(in[2 * step_in], in[3 * step_in], 0, 4, 1, 5);
  v128_t d = wasm_i32x4_shuffle(in[2 * step_in], in[3 * step_in], 2, 6, 3, 7);
  out[0] = wasm_i32x4_shuffle(a, c, 0, 1, 4, 5);
  out[step_out] = wasm_i32x4_shuffle(a, c, 2, 3, 6, 7);
  out[2 * step_out] = wasm_i32x4_shuffle(b, d, 0, 1, 4, 5);
  out[3 * step_out] = wasm_i32x4_shuffle(b, d, 2, 3, 6, 7);
}

/**
 * An 8x8 block (v[2r] and v[2r+1]: row r's samples 0-3 and 4-7, level-shifted) -> quantised
 * coefficients in zigzag order: the rows' transforms first (lanes = rows), then the columns' (lanes
 * = columns), as the scalar jfdctflt.c order.
 */
__attribute__((noinline)) static void transform_block(const v128_t *v, const Quant *q, int16_t *out) {
  v128_t rows[16];  // rows[k] / rows[8 + k]: sample k of rows 0-3 / of rows 4-7
  transpose4(v, 2, rows, 1);
  transpose4(v + 1, 2, rows + 4, 1);
  transpose4(v + 8, 2, rows + 8, 1);
  transpose4(v + 9, 2, rows + 12, 1);
  dct_1d(rows);
  dct_1d(rows + 8);
  v128_t cols[16];  // cols[r] / cols[8 + r]: row r's coefficients 0-3 / 4-7
  transpose4(rows, 1, cols, 1);
  transpose4(rows + 4, 1, cols + 8, 1);
  transpose4(rows + 8, 1, cols + 4, 1);
  transpose4(rows + 12, 1, cols + 12, 1);
  dct_1d(cols);
  dct_1d(cols + 8);
  int16_t natural[64];
  for (int r = 0; r < 8; r++) {
    v128_t lo = wasm_f32x4_nearest(wasm_f32x4_mul(cols[r], wasm_v128_load(q->reciprocal + r * 8)));
    v128_t hi = wasm_f32x4_nearest(wasm_f32x4_mul(cols[8 + r], wasm_v128_load(q->reciprocal + r * 8 + 4)));
    wasm_v128_store(natural + r * 8, wasm_i16x8_narrow_i32x4(wasm_i32x4_trunc_sat_f32x4(lo), wasm_i32x4_trunc_sat_f32x4(hi)));
  }
  for (int i = 0; i < 64; i++) out[i] = natural[ZIGZAG[i]];
}

// --- state --------------------------------------------------------------------------------------

static int32_t width, height, h_samp;  // h_samp: 2 for 4:2:0, 1 for 4:4:4
static uint8_t *rgba;
static int16_t *coefficients;  // all blocks, in scan order, 64 zigzag coefficients each
static int32_t block_count;
static uint8_t *output;
static size_t output_length, output_capacity;

typedef struct {
  uint32_t frequency[257];
  uint8_t bits[17];      // BITS: number of codes of each length 1..16
  uint8_t values[256];   // HUFFVAL
  uint16_t code[256];    // code per symbol
  uint8_t length[256];   // code length per symbol
  int32_t count;         // symbols with codes
} Huffman;

static Huffman dc_luma, ac_luma, dc_chroma, ac_chroma;

__attribute__((export_name("begin"))) uint8_t *begin(int32_t w, int32_t h) {
  heap_reset();
  if (w < 1 || h < 1 || w > 65535 || h > 65535) return 0;
  width = w, height = h;
  rgba = allocate((size_t)w * h * 4);
  return rgba;
}

__attribute__((export_name("jpeg"))) uint8_t *jpeg(void) { return output; }

// --- pass 1: colour conversion, sampling, DCT, quantisation, symbol counts ----------------------

static inline void pixel(int32_t x, int32_t y, float *ycc) {
  if (x >= width) x = width - 1;  // replicate edges into the partial MCUs
  if (y >= height) y = height - 1;
  const uint8_t *p = rgba + ((size_t)y * width + x) * 4;
  float r = p[0], g = p[1], b = p[2];
  ycc[0] = 0.299f * r + 0.587f * g + 0.114f * b - 128.0f;
  ycc[1] = -0.168735892f * r - 0.331264108f * g + 0.5f * b;
  ycc[2] = 0.5f * r - 0.418687589f * g - 0.081312411f * b;
}

static inline int magnitude_bits(int v) {
  if (v < 0) v = -v;
  return v ? 32 - __builtin_clz((uint32_t)v) : 0;
}

/** Bit i set when zigzag coefficient i of the block is nonzero. */
static inline uint64_t nonzero_mask(const int16_t *c) {
  uint64_t mask = 0;
  for (int i = 0; i < 8; i++) {
    v128_t zero = wasm_i16x8_eq(wasm_v128_load(c + i * 8), wasm_i16x8_splat(0));
    mask |= (uint64_t)(~wasm_i16x8_bitmask(zero) & 0xff) << (i * 8);
  }
  return mask;
}

__attribute__((noinline)) static void count_block(const int16_t *c, int16_t *previous_dc, Huffman *dc, Huffman *ac) {
  dc->frequency[magnitude_bits(c[0] - *previous_dc)]++;
  *previous_dc = c[0];
  int last = 0;  // the zigzag position of the last nonzero coefficient so far
  for (uint64_t left = nonzero_mask(c) & ~(uint64_t)1; left; left &= left - 1) {
    int i = __builtin_ctzll(left), run = i - last - 1;
    for (; run > 15; run -= 16) ac->frequency[0xF0]++;
    ac->frequency[(run << 4) | magnitude_bits(c[i])]++;
    last = i;
  }
  if (last != 63) ac->frequency[0x00]++;
}

/** Y, Cb and Cr of four RGBA pixels, one per lane (the scalar `pixel`'s operations, in order). */
static inline void ycc4(const uint8_t *p, v128_t *y, v128_t *cb, v128_t *cr) {
  v128_t px = wasm_v128_load(p), byte = wasm_i32x4_splat(0xff);
  v128_t r = wasm_f32x4_convert_i32x4(wasm_v128_and(px, byte));
  v128_t g = wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_u32x4_shr(px, 8), byte));
  v128_t b = wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_u32x4_shr(px, 16), byte));
#define MUL(k, v) wasm_f32x4_mul(wasm_f32x4_splat(k), v)
  *y = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_add(MUL(0.299f, r), MUL(0.587f, g)), MUL(0.114f, b)),
                      wasm_f32x4_splat(128.0f));
  *cb = wasm_f32x4_add(wasm_f32x4_sub(MUL(-0.168735892f, r), MUL(0.331264108f, g)), MUL(0.5f, b));
  *cr = wasm_f32x4_sub(wasm_f32x4_sub(MUL(0.5f, r), MUL(0.418687589f, g)), MUL(0.081312411f, b));
#undef MUL
}

/**
 * One MCU's blocks, as transform_block takes them: its Y blocks (h_samp x h_samp, in scan order),
 * then Cb and Cr, each chroma sample the average of its h_samp x h_samp pixels, summed in the
 * order the pixels come and then scaled. Inside the image, four pixels a step; in an MCU that
 * reaches past the right or bottom edge, a pixel at a time, replicating the edge.
 */
__attribute__((noinline)) static void mcu_blocks(int32_t x0, int32_t y0, v128_t y_blocks[4][16], v128_t cb[16], v128_t cr[16]) {
  const int32_t size = 8 * h_samp;
  if (x0 + size <= width && y0 + size <= height) {
    for (int32_t y = 0; y < size; y++) {
      const uint8_t *row = rgba + ((size_t)(y0 + y) * width + x0) * 4;
      v128_t cbs[4], crs[4];
      for (int32_t g = 0; g < size / 4; g++) {
        v128_t luma;
        ycc4(row + g * 16, &luma, &cbs[g], &crs[g]);
        y_blocks[(y / 8) * h_samp + g / 2][(y % 8) * 2 + g % 2] = luma;
      }
      if (h_samp == 1) {
        cb[y * 2] = wasm_f32x4_add(wasm_f32x4_splat(0), cbs[0]), cb[y * 2 + 1] = wasm_f32x4_add(wasm_f32x4_splat(0), cbs[1]);
        cr[y * 2] = wasm_f32x4_add(wasm_f32x4_splat(0), crs[0]), cr[y * 2 + 1] = wasm_f32x4_add(wasm_f32x4_splat(0), crs[1]);
        continue;
      }
      // 4:2:0: a chroma row from two pixel rows; the even row's horizontal pairs are kept until
      // the odd row adds its own, pixel by pixel in the scalar order (left, right, below-left, below-right).
      for (int h = 0; h < 2; h++) {
        v128_t *cbo = &cb[(y / 2) * 2 + h], *cro = &cr[(y / 2) * 2 + h];
        v128_t cbl = wasm_i32x4_shuffle(cbs[2 * h], cbs[2 * h + 1], 0, 2, 4, 6);
        v128_t cbr = wasm_i32x4_shuffle(cbs[2 * h], cbs[2 * h + 1], 1, 3, 5, 7);
        v128_t crl = wasm_i32x4_shuffle(crs[2 * h], crs[2 * h + 1], 0, 2, 4, 6);
        v128_t crr = wasm_i32x4_shuffle(crs[2 * h], crs[2 * h + 1], 1, 3, 5, 7);
        if (y % 2 == 0) {
          *cbo = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_splat(0), cbl), cbr);
          *cro = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_splat(0), crl), crr);
        } else {
          *cbo = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(*cbo, cbl), cbr), wasm_f32x4_splat(0.25f));
          *cro = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_add(*cro, crl), crr), wasm_f32x4_splat(0.25f));
        }
      }
    }
    return;
  }
  float ycc[3], yf[4][64], cbf[64], crf[64];
  for (int32_t i = 0; i < 64; i++) cbf[i] = crf[i] = 0;
  for (int32_t by = 0; by < h_samp; by++) {
    for (int32_t bx = 0; bx < h_samp; bx++) {
      for (int32_t y = 0; y < 8; y++) {
        for (int32_t x = 0; x < 8; x++) {
          pixel(x0 + bx * 8 + x, y0 + by * 8 + y, ycc);
          yf[by * h_samp + bx][y * 8 + x] = ycc[0];
          int32_t cx = (bx * 8 + x) / h_samp, cy = (by * 8 + y) / h_samp;
          cbf[cy * 8 + cx] += ycc[1];
          crf[cy * 8 + cx] += ycc[2];
        }
      }
    }
  }
  float share = 1.0f / (float)(h_samp * h_samp);
  for (int32_t i = 0; i < 64; i++) cbf[i] *= share, crf[i] *= share;
  for (int32_t i = 0; i < 16; i++) {
    for (int32_t b = 0; b < h_samp * h_samp; b++) y_blocks[b][i] = wasm_v128_load(yf[b] + i * 4);
    cb[i] = wasm_v128_load(cbf + i * 4), cr[i] = wasm_v128_load(crf + i * 4);
  }
}

/** Every MCU of a row: its Y blocks (h_samp x h_samp), then one Cb and one Cr block. */
__attribute__((noinline)) static void transform_mcu_row(int32_t my, int32_t mcus_x, int16_t **cursor, int16_t dc[3]) {
  v128_t y_blocks[4][16], cb[16], cr[16];
  const int32_t size = 8 * h_samp;
  for (int32_t mx = 0; mx < mcus_x; mx++) {
    mcu_blocks(mx * size, my * size, y_blocks, cb, cr);
    for (int32_t b = 0; b < h_samp * h_samp; b++) {
      transform_block(y_blocks[b], &luma_q, *cursor);
      count_block(*cursor, &dc[0], &dc_luma, &ac_luma);
      *cursor += 64;
    }
    transform_block(cb, &chroma_q, *cursor);
    count_block(*cursor, &dc[1], &dc_chroma, &ac_chroma);
    *cursor += 64;
    transform_block(cr, &chroma_q, *cursor);
    count_block(*cursor, &dc[2], &dc_chroma, &ac_chroma);
    *cursor += 64;
  }
}

// --- optimal Huffman tables (T.81 Annex K.2) ----------------------------------------------------

/** Heap order for build_table: the smaller frequency first, of equal ones the larger symbol (K.2's choice). */
static inline int comes_first(const int32_t *freq, int a, int b) {
  return freq[a] < freq[b] || (freq[a] == freq[b] && a > b);
}

static void sift_down(int16_t *heap, int n, int i, const int32_t *freq) {
  for (;;) {
    int first = i, left = 2 * i + 1, right = left + 1;
    if (left < n && comes_first(freq, heap[left], heap[first])) first = left;
    if (right < n && comes_first(freq, heap[right], heap[first])) first = right;
    if (first == i) return;
    int16_t swap = heap[i];
    heap[i] = heap[first], heap[first] = swap, i = first;
  }
}

static int16_t pop_first(int16_t *heap, int *n, const int32_t *freq) {
  int16_t first = heap[0];
  heap[0] = heap[--*n];
  sift_down(heap, *n, 0, freq);
  return first;
}

// Annex K.2's procedure, the two least frequent symbols merged at a time, found through a heap
// rather than by scanning every symbol per merge (the same choices, so the same tables). Its own
// function: called four times, it is optimised after the first.
__attribute__((noinline)) static void build_table(Huffman *t) {
  int32_t freq[257], codesize[257], others[257];
  int16_t heap[257];
  int n = 0;
  for (int i = 0; i < 257; i++) {
    freq[i] = i < 256 ? (int32_t)t->frequency[i] : 1;  // 256: reserved symbol, no code of all ones
    codesize[i] = 0, others[i] = -1;
    if (freq[i]) heap[n++] = (int16_t)i;
  }
  for (int i = n / 2 - 1; i >= 0; i--) sift_down(heap, n, i, freq);
  while (n > 1) {
    int c1 = pop_first(heap, &n, freq), c2 = pop_first(heap, &n, freq);
    freq[c1] += freq[c2];
    freq[c2] = 0;
    heap[n] = (int16_t)c1;  // back in, at its new frequency: sift up
    for (int i = n++; i > 0 && comes_first(freq, heap[i], heap[(i - 1) / 2]); i = (i - 1) / 2) {
      int16_t swap = heap[i];
      heap[i] = heap[(i - 1) / 2], heap[(i - 1) / 2] = swap;
    }
    codesize[c1]++;
    while (others[c1] >= 0) c1 = others[c1], codesize[c1]++;
    others[c1] = c2;
    codesize[c2]++;
    while (others[c2] >= 0) c2 = others[c2], codesize[c2]++;
  }
  int32_t bits[33] = {0};
  for (int i = 0; i <= 256; i++)
    if (codesize[i]) bits[codesize[i]]++;
  for (int i = 32; i > 16; i--) {  // limit code lengths to 16 bits
    while (bits[i] > 0) {
      int j = i - 2;
      while (bits[j] == 0) j--;
      bits[i] -= 2;
      bits[i - 1]++;
      bits[j + 1] += 2;
      bits[j]--;
    }
  }
  int i = 16;
  while (bits[i] == 0) i--;
  bits[i]--;  // drop the reserved symbol's code
  t->bits[0] = 0;
  for (int k = 1; k <= 16; k++) t->bits[k] = (uint8_t)bits[k];
  // The symbols by code length, then by value: a counting sort, one pass over the symbols rather than
  // one per length.
  int32_t next[34] = {0};
  for (int s = 0; s < 256; s++)
    if (codesize[s] >= 1 && codesize[s] <= 32) next[codesize[s] + 1]++;
  for (int len = 1; len <= 32; len++) next[len + 1] += next[len];
  for (int s = 0; s < 256; s++)
    if (codesize[s] >= 1 && codesize[s] <= 32) t->values[next[codesize[s]]++] = (uint8_t)s;
  t->count = next[32];
  // Canonical codes (T.81 Annex C).
  uint16_t code = 0;
  int k = 0;
  for (int len = 1; len <= 16; len++) {
    for (int n = 0; n < t->bits[len]; n++, k++) {
      t->code[t->values[k]] = code++;
      t->length[t->values[k]] = (uint8_t)len;
    }
    code <<= 1;
  }
}

// --- pass 2: writing ----------------------------------------------------------------------------

static uint64_t bit_buffer;  // bits not yet written, the last bit_count of them
static int bit_count;        // fewer than 32 between calls

static inline void put_byte(uint8_t b) { output[output_length++] = b; }

/** Room for `bytes` more output: the output is the last allocation, so it grows in place. */
static int reserve_output(size_t bytes) {
  if (output_length + bytes <= output_capacity) return 1;
  size_t more = output_capacity > bytes ? output_capacity : bytes;
  if (!allocate(more)) return 0;
  output_capacity += more;
  return 1;
}

/** Writes the buffer's oldest `bytes` whole bytes, stuffing a zero after each 0xFF. */
static void flush_bytes(int bytes) {
  for (; bytes > 0; bytes--) {
    bit_count -= 8;
    uint8_t b = (uint8_t)(bit_buffer >> bit_count);
    put_byte(b);
    if (b == 0xFF) put_byte(0);  // byte stuffing
  }
}

/** Appends the low `n` bits of `value` (n <= 32, nothing above them set). */
static inline void put_bits(uint32_t value, int n) {
  bit_buffer = (bit_buffer << n) | value;
  bit_count += n;
  if (bit_count < 32) return;
  uint32_t word = (uint32_t)(bit_buffer >> (bit_count - 32));
  if ((~word - 0x01010101u) & word & 0x80808080u) {  // a 0xFF byte among the four: one at a time
    flush_bytes(4);
    return;
  }
  bit_count -= 32;
  put_byte((uint8_t)(word >> 24)), put_byte((uint8_t)(word >> 16));
  put_byte((uint8_t)(word >> 8)), put_byte((uint8_t)word);
}

static void put_marker_u16(uint16_t v) { put_byte((uint8_t)(v >> 8)), put_byte((uint8_t)v); }

static void write_huffman(uint8_t class_id, const Huffman *t) {
  put_marker_u16(0xFFC4);
  put_marker_u16((uint16_t)(2 + 1 + 16 + t->count));
  put_byte(class_id);
  for (int i = 1; i <= 16; i++) put_byte(t->bits[i]);
  for (int i = 0; i < t->count; i++) put_byte(t->values[i]);
}

static void write_headers(void) {
  static const uint8_t jfif[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0};
  for (size_t i = 0; i < sizeof jfif; i++) put_byte(jfif[i]);
  put_marker_u16(0xFFDB);
  put_marker_u16(2 + 2 * 65);
  put_byte(0);
  for (int i = 0; i < 64; i++) put_byte(luma_q.quant[ZIGZAG[i]]);
  put_byte(1);
  for (int i = 0; i < 64; i++) put_byte(chroma_q.quant[ZIGZAG[i]]);
  put_marker_u16(0xFFC0);
  put_marker_u16(17);
  put_byte(8);
  put_marker_u16((uint16_t)height);
  put_marker_u16((uint16_t)width);
  put_byte(3);
  const uint8_t sampling = (uint8_t)((h_samp << 4) | h_samp);
  const uint8_t components[9] = {1, sampling, 0, 2, 0x11, 1, 3, 0x11, 1};
  for (int i = 0; i < 9; i++) put_byte(components[i]);
  write_huffman(0x00, &dc_luma);
  write_huffman(0x10, &ac_luma);
  write_huffman(0x01, &dc_chroma);
  write_huffman(0x11, &ac_chroma);
  put_marker_u16(0xFFDA);
  put_marker_u16(12);
  const uint8_t scan[10] = {3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0};
  for (int i = 0; i < 10; i++) put_byte(scan[i]);
}

/** A Huffman code followed by the n bits of v (T.81 F.1.2: negative values as v - 1). */
static inline void put_code_value(uint16_t code, int length, int v, int n) {
  uint32_t bits = (uint32_t)(v < 0 ? v - 1 : v) & ((1u << n) - 1);
  put_bits((uint32_t)code << n | bits, length + n);
}

__attribute__((noinline)) static void write_block(const int16_t *c, int16_t *previous_dc, const Huffman *dc, const Huffman *ac) {
  int diff = c[0] - *previous_dc;
  *previous_dc = c[0];
  int n = magnitude_bits(diff);
  put_code_value(dc->code[n], dc->length[n], diff, n);
  int last = 0;
  for (uint64_t left = nonzero_mask(c) & ~(uint64_t)1; left; left &= left - 1) {
    int i = __builtin_ctzll(left), run = i - last - 1;
    for (; run > 15; run -= 16) put_bits(ac->code[0xF0], ac->length[0xF0]);
    int bits = magnitude_bits(c[i]), symbol = (run << 4) | bits;
    put_code_value(ac->code[symbol], ac->length[symbol], c[i], bits);
    last = i;
  }
  if (last != 63) put_bits(ac->code[0x00], ac->length[0x00]);
}

__attribute__((export_name("encode"))) size_t encode(int32_t quality, int32_t subsample) {
  if (quality < 1) quality = 1;
  if (quality > 100) quality = 100;
  h_samp = subsample ? 2 : 1;
  make_quant(&luma_q, LUMA_Q, quality);
  make_quant(&chroma_q, CHROMA_Q, quality);
  Huffman *tables[4] = {&dc_luma, &ac_luma, &dc_chroma, &ac_chroma};
  for (int t = 0; t < 4; t++)
    for (int i = 0; i < 257; i++) tables[t]->frequency[i] = 0;

  const int32_t size = 8 * h_samp;
  const int32_t mcus_x = (width + size - 1) / size, mcus_y = (height + size - 1) / size;
  block_count = mcus_x * mcus_y * (h_samp * h_samp + 2);
  coefficients = allocate((size_t)block_count * 64 * sizeof(int16_t));
  if (!coefficients) return 0;
  int16_t dc[3] = {0, 0, 0};
  int16_t *cursor = coefficients;
  for (int32_t my = 0; my < mcus_y; my++) transform_mcu_row(my, mcus_x, &cursor, dc);
  for (int t = 0; t < 4; t++) build_table(tables[t]);

  // Start at a quarter byte per coefficient (photos at quality 80 need a tenth to a fifth) and grow:
  // the worst case (64 codes of 27 bits, doubled by stuffing) would reserve 432 bytes a block.
  output_capacity = ((size_t)block_count * 16 + 4096 + 15) & ~(size_t)15;
  output = allocate(output_capacity);
  if (!output) return 0;
  output_length = 0;
  bit_buffer = 0, bit_count = 0;
  write_headers();
  dc[0] = dc[1] = dc[2] = 0;
  const int16_t *c = coefficients;
  const int32_t luma_blocks = h_samp * h_samp;
  for (int32_t m = 0; m < mcus_x * mcus_y; m++) {
    if (!reserve_output((size_t)(luma_blocks + 2) * 432 + 16)) return 0;
    for (int32_t b = 0; b < luma_blocks; b++, c += 64) write_block(c, &dc[0], &dc_luma, &ac_luma);
    write_block(c, &dc[1], &dc_chroma, &ac_chroma), c += 64;
    write_block(c, &dc[2], &dc_chroma, &ac_chroma), c += 64;
  }
  if (bit_count % 8) put_bits(0x7F >> (bit_count % 8 - 1), 8 - bit_count % 8);  // pad with ones
  flush_bytes(bit_count / 8);
  put_marker_u16(0xFFD9);
  return output_length;
}
