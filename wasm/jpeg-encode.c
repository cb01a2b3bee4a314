// A baseline JPEG encoder (JFIF, YCbCr, 4:2:0 or 4:4:4 chroma, libjpeg's quality scaling of the
// Annex K tables, Huffman tables optimised per image) for RGBA8; alpha is ignored.
//
// Two passes: the first converts, transforms and quantises every block into memory and counts
// symbols; the second builds optimal Huffman tables (ITU T.81 Annex K.2, as libjpeg does) and writes.
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

static inline void dct_1d(float *d, int stride) {
  float t0 = d[0] + d[7 * stride], t7 = d[0] - d[7 * stride];
  float t1 = d[stride] + d[6 * stride], t6 = d[stride] - d[6 * stride];
  float t2 = d[2 * stride] + d[5 * stride], t5 = d[2 * stride] - d[5 * stride];
  float t3 = d[3 * stride] + d[4 * stride], t4 = d[3 * stride] - d[4 * stride];
  float t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
  d[0] = t10 + t11;
  d[4 * stride] = t10 - t11;
  float z1 = (t12 + t13) * 0.707106781f;
  d[2 * stride] = t13 + z1;
  d[6 * stride] = t13 - z1;
  t10 = t4 + t5;
  t11 = t5 + t6;
  t12 = t6 + t7;
  float z5 = (t10 - t12) * 0.382683433f;
  float z2 = 0.541196100f * t10 + z5;
  float z4 = 1.306562965f * t12 + z5;
  float z3 = t11 * 0.707106781f;
  float z11 = t7 + z3, z13 = t7 - z3;
  d[5 * stride] = z13 + z2;
  d[3 * stride] = z13 - z2;
  d[stride] = z11 + z4;
  d[7 * stride] = z11 - z4;
}

/** 8x8 samples (level-shifted) -> quantised coefficients in zigzag order. */
static void transform_block(float *block, const Quant *q, int16_t *out) {
  for (int r = 0; r < 8; r++) dct_1d(block + r * 8, 1);
  for (int c = 0; c < 8; c++) dct_1d(block + c, 8);
  for (int i = 0; i < 64; i += 4) {
    v128_t v = wasm_f32x4_mul(wasm_v128_load(block + i), wasm_v128_load(q->reciprocal + i));
    v = wasm_f32x4_nearest(v);
    block[i] = wasm_f32x4_extract_lane(v, 0);
    block[i + 1] = wasm_f32x4_extract_lane(v, 1);
    block[i + 2] = wasm_f32x4_extract_lane(v, 2);
    block[i + 3] = wasm_f32x4_extract_lane(v, 3);
  }
  for (int i = 0; i < 64; i++) out[i] = (int16_t)block[ZIGZAG[i]];
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
  int n = 0;
  while (v) n++, v >>= 1;
  return n;
}

static void count_block(const int16_t *c, int16_t *previous_dc, Huffman *dc, Huffman *ac) {
  dc->frequency[magnitude_bits(c[0] - *previous_dc)]++;
  *previous_dc = c[0];
  int run = 0;
  for (int i = 1; i < 64; i++) {
    if (c[i] == 0) {
      run++;
      continue;
    }
    while (run > 15) ac->frequency[0xF0]++, run -= 16;
    ac->frequency[(run << 4) | magnitude_bits(c[i])]++;
    run = 0;
  }
  if (run) ac->frequency[0x00]++;
}

/** Every MCU: its Y blocks (h_samp x h_samp), then one Cb and one Cr block. */
__attribute__((noinline)) static void transform_mcu_row(int32_t my, int32_t mcus_x, int16_t **cursor, int16_t dc[3]) {
  float ycc[3], y_block[64], cb_block[64], cr_block[64];
  const int32_t size = 8 * h_samp;
  for (int32_t mx = 0; mx < mcus_x; mx++) {
    int32_t x0 = mx * size, y0 = my * size;
    for (int32_t i = 0; i < 64; i++) cb_block[i] = cr_block[i] = 0;
    for (int32_t by = 0; by < h_samp; by++) {
      for (int32_t bx = 0; bx < h_samp; bx++) {
        for (int32_t y = 0; y < 8; y++) {
          for (int32_t x = 0; x < 8; x++) {
            pixel(x0 + bx * 8 + x, y0 + by * 8 + y, ycc);
            y_block[y * 8 + x] = ycc[0];
            // Chroma: the average of each h_samp x h_samp group.
            int32_t cx = (bx * 8 + x) / h_samp, cy = (by * 8 + y) / h_samp;
            cb_block[cy * 8 + cx] += ycc[1];
            cr_block[cy * 8 + cx] += ycc[2];
          }
        }
        transform_block(y_block, &luma_q, *cursor);
        count_block(*cursor, &dc[0], &dc_luma, &ac_luma);
        *cursor += 64;
      }
    }
    float share = 1.0f / (float)(h_samp * h_samp);
    for (int32_t i = 0; i < 64; i++) cb_block[i] *= share, cr_block[i] *= share;
    transform_block(cb_block, &chroma_q, *cursor);
    count_block(*cursor, &dc[1], &dc_chroma, &ac_chroma);
    *cursor += 64;
    transform_block(cr_block, &chroma_q, *cursor);
    count_block(*cursor, &dc[2], &dc_chroma, &ac_chroma);
    *cursor += 64;
  }
}

// --- optimal Huffman tables (T.81 Annex K.2) ----------------------------------------------------

static void build_table(Huffman *t) {
  int32_t freq[257], codesize[257], others[257];
  for (int i = 0; i < 256; i++) freq[i] = (int32_t)t->frequency[i];
  freq[256] = 1;  // reserved symbol: no code of all ones
  for (int i = 0; i < 257; i++) codesize[i] = 0, others[i] = -1;
  for (;;) {
    int c1 = -1, c2 = -1;
    int32_t v = 0x7fffffff;
    for (int i = 0; i <= 256; i++)
      if (freq[i] && freq[i] <= v) v = freq[i], c1 = i;
    v = 0x7fffffff;
    for (int i = 0; i <= 256; i++)
      if (freq[i] && freq[i] <= v && i != c1) v = freq[i], c2 = i;
    if (c2 < 0) break;
    freq[c1] += freq[c2];
    freq[c2] = 0;
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
  int p = 0;
  for (int len = 1; len <= 32; len++)
    for (int s = 0; s < 256; s++)
      if (codesize[s] == len) t->values[p++] = (uint8_t)s;
  t->count = p;
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

static uint32_t bit_buffer;
static int bit_count;

static inline void put_byte(uint8_t b) { output[output_length++] = b; }

/** Room for `bytes` more output: the output is the last allocation, so it grows in place. */
static int reserve_output(size_t bytes) {
  if (output_length + bytes <= output_capacity) return 1;
  size_t more = output_capacity > bytes ? output_capacity : bytes;
  if (!allocate(more)) return 0;
  output_capacity += more;
  return 1;
}

static inline void put_bits(uint32_t value, int n) {
  bit_buffer = (bit_buffer << n) | (value & ((1u << n) - 1));
  bit_count += n;
  while (bit_count >= 8) {
    uint8_t b = (uint8_t)(bit_buffer >> (bit_count - 8));
    put_byte(b);
    if (b == 0xFF) put_byte(0);  // byte stuffing
    bit_count -= 8;
  }
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

static inline void put_value(int v, int n) { put_bits((uint32_t)(v < 0 ? v - 1 : v), n); }

__attribute__((noinline)) static void write_block(const int16_t *c, int16_t *previous_dc, const Huffman *dc, const Huffman *ac) {
  int diff = c[0] - *previous_dc;
  *previous_dc = c[0];
  int n = magnitude_bits(diff);
  put_bits(dc->code[n], dc->length[n]);
  if (n) put_value(diff, n);
  int run = 0;
  for (int i = 1; i < 64; i++) {
    if (c[i] == 0) {
      run++;
      continue;
    }
    while (run > 15) put_bits(ac->code[0xF0], ac->length[0xF0]), run -= 16;
    int bits = magnitude_bits(c[i]);
    int symbol = (run << 4) | bits;
    put_bits(ac->code[symbol], ac->length[symbol]);
    put_value(c[i], bits);
    run = 0;
  }
  if (run) put_bits(ac->code[0x00], ac->length[0x00]);
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
  if (bit_count) put_bits(0x7F, 8 - bit_count);  // pad with ones
  put_marker_u16(0xFFD9);
  return output_length;
}
