/*
 * libjpeg-turbo's accurate integer inverse DCT (jidctint.c: 8x8, full size), its reduced-size ones
 * (jidctred.c: 4x4 for 1/2 and 1/4 scaling, 2x2 for 1/4 and 1/8), YCbCr to RGB (jdcolext.c) and
 * 4:2:0 and 4:2:2 "fancy" upsampling (jdsample.c) in WebAssembly SIMD128, hooked in through libjpeg-turbo's own
 * SIMD interface (jsimd.h), the way its x86 and Arm builds hook in theirs. Every other jsimd entry
 * stays jsimd_none.c's "no".
 *
 * Bit-exact with the C code: the same 32-bit fixed-point arithmetic, four columns (pass 1) or rows
 * (pass 2) per vector; the C code's all-AC-zero shortcuts are computed too and selected per lane
 * (they differ from the full formula only when it overflows); range_limit's wrap-around of
 * out-of-range values (the low 10 bits, sign-extended, plus 128, clamped) is reproduced.
 * test/jpeg-decode.test.ts compares whole images with Debian's native djpeg.
 */
#define jsimd_can_ycc_rgb jsimd_none_can_ycc_rgb
#define jsimd_ycc_rgb_convert jsimd_none_ycc_rgb_convert
#define jsimd_can_h2v1_fancy_upsample jsimd_none_can_h2v1_fancy_upsample
#define jsimd_h2v1_fancy_upsample jsimd_none_h2v1_fancy_upsample
#define jsimd_can_h2v2_fancy_upsample jsimd_none_can_h2v2_fancy_upsample
#define jsimd_h2v2_fancy_upsample jsimd_none_h2v2_fancy_upsample
#define jsimd_can_idct_islow jsimd_none_can_idct_islow
#define jsimd_idct_islow jsimd_none_idct_islow
#define jsimd_can_idct_2x2 jsimd_none_can_idct_2x2
#define jsimd_can_idct_4x4 jsimd_none_can_idct_4x4
#define jsimd_idct_2x2 jsimd_none_idct_2x2
#define jsimd_idct_4x4 jsimd_none_idct_4x4
#include "jsimd_none.c"
#undef jsimd_can_ycc_rgb
#undef jsimd_ycc_rgb_convert
#undef jsimd_can_h2v1_fancy_upsample
#undef jsimd_h2v1_fancy_upsample
#undef jsimd_can_h2v2_fancy_upsample
#undef jsimd_h2v2_fancy_upsample
#undef jsimd_can_idct_islow
#undef jsimd_idct_islow
#undef jsimd_can_idct_2x2
#undef jsimd_can_idct_4x4
#undef jsimd_idct_2x2
#undef jsimd_idct_4x4

#include <wasm_simd128.h>

#include "jdct.h"

#define CONST_BITS 13
#define PASS1_BITS 2

/* jidctint.c's and jidctred.c's constants, FIX(x) at CONST_BITS 13. */
#define FIX_0_298631336 2446
#define FIX_0_390180644 3196
#define FIX_0_541196100 4433
#define FIX_1_175875602 9633
#define FIX_1_501321110 12299
#define FIX_1_961570560 16069
#define FIX_2_053119869 16819
#define FIX_3_072711026 25172
#define FIX_0_211164243 1730
#define FIX_0_509795579 4176
#define FIX_0_601344887 4926
#define FIX_0_720959822 5906
#define FIX_0_765366865 6270
#define FIX_0_850430095 6967
#define FIX_0_899976223 7373
#define FIX_1_061594337 8697
#define FIX_1_272758580 10426
#define FIX_1_451774981 11893
#define FIX_1_847759065 15137
#define FIX_2_172734803 17799
#define FIX_2_562915447 20995
#define FIX_3_624509785 29692

typedef int quant_t; /* ISLOW_MULT_TYPE without WITH_SIMD */
_Static_assert(sizeof(ISLOW_MULT_TYPE) == sizeof(quant_t), "dct_table entries are ints");
_Static_assert(sizeof(JCOEF) == 2, "coefficients are shorts");

static inline v128_t mul(v128_t v, int constant) { return wasm_i32x4_mul(v, wasm_i32x4_splat(constant)); }

/* DESCALE: round, then arithmetic shift right. */
static inline v128_t descale(v128_t v, int n) {
  return wasm_i32x4_shr(wasm_i32x4_add(v, wasm_i32x4_splat(1 << (n - 1))), n);
}

/* range_limit[x & RANGE_MASK] of the post-IDCT table: the low 10 bits, sign-extended, plus 128, clamped. */
static inline v128_t range_limit(v128_t v) {
  return wasm_i32x4_add(wasm_i32x4_shr(wasm_i32x4_shl(v, 22), 22), wasm_i32x4_splat(CENTERJSAMPLE));
}

/* Row `row` of the block, columns 4*half .. 4*half+3, as 32-bit coefficients. */
static inline v128_t coefficients(JCOEFPTR block, int row, int half) {
  v128_t c = wasm_v128_load(block + row * DCTSIZE);
  return half ? wasm_i32x4_extend_high_i16x8(c) : wasm_i32x4_extend_low_i16x8(c);
}

static inline v128_t dequantize(v128_t c, const quant_t *quant, int row, int half) {
  return wasm_i32x4_mul(c, wasm_v128_load(quant + row * DCTSIZE + half * 4));
}

static inline v128_t is_zero(v128_t v) { return wasm_i32x4_eq(v, wasm_i32x4_splat(0)); }

/*
 * A block whose AC coefficients are all zero (common in smooth parts of real photos, and in most
 * chroma blocks): both passes of every IDCT below take their DC shortcut in every column and row,
 * so every output sample is range_limit(DESCALE(DC << PASS1_BITS, PASS1_BITS + 3)), which this
 * returns (0-255), or -1 when the block has AC.
 */
static inline int dc_only(JCOEFPTR block, const quant_t *quant) {
  v128_t any = wasm_v128_and(wasm_v128_load(block), wasm_i16x8_make(0, -1, -1, -1, -1, -1, -1, -1));
  for (int row = 1; row < DCTSIZE; row++) any = wasm_v128_or(any, wasm_v128_load(block + row * DCTSIZE));
  if (wasm_v128_any_true(any)) return -1;
  int32_t dc = (int32_t)((uint32_t)(block[0] * quant[0]) << PASS1_BITS);
  dc = (dc + (1 << (PASS1_BITS + 2))) >> (PASS1_BITS + 3);
  dc = ((int32_t)((uint32_t)dc << 22) >> 22) + CENTERJSAMPLE;
  return dc < 0 ? 0 : dc > 255 ? 255 : dc;
}

/** For a block with no AC: its size x size output filled with dc_only's value; 0 when it has AC. */
static inline __attribute__((always_inline)) int fill_dc_only(JCOEFPTR block, const quant_t *quant,
                                                             JSAMPARRAY output_buf, JDIMENSION output_col,
                                                             int size) {
  int flat = dc_only(block, quant);
  if (flat < 0) return 0;
  for (int row = 0; row < size; row++) memset(output_buf[row] + output_col, flat, (size_t)size);
  return 1;
}

/* The 4x4 block of rows r0..r3 (4 lanes each) as its 4 columns. */
static inline void transpose4(v128_t r0, v128_t r1, v128_t r2, v128_t r3, v128_t *out) {
  v128_t a = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), b = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  v128_t c = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), d = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  out[0] = wasm_i32x4_shuffle(a, b, 0, 1, 4, 5);
  out[1] = wasm_i32x4_shuffle(a, b, 2, 3, 6, 7);
  out[2] = wasm_i32x4_shuffle(c, d, 0, 1, 4, 5);
  out[3] = wasm_i32x4_shuffle(c, d, 2, 3, 6, 7);
}

/*
 * jidctint.c's 1-D 8-point IDCT on four lanes: in[k] is the k-th input (coefficient or work value),
 * out[k] the k-th output, descaled by `shift`.
 */
static inline void idct8(const v128_t *in, v128_t *out, int shift) {
  v128_t z1 = mul(wasm_i32x4_add(in[2], in[6]), FIX_0_541196100);
  v128_t tmp2 = wasm_i32x4_add(z1, mul(in[6], -FIX_1_847759065));
  v128_t tmp3 = wasm_i32x4_add(z1, mul(in[2], FIX_0_765366865));
  v128_t tmp0 = wasm_i32x4_shl(wasm_i32x4_add(in[0], in[4]), CONST_BITS);
  v128_t tmp1 = wasm_i32x4_shl(wasm_i32x4_sub(in[0], in[4]), CONST_BITS);
  v128_t tmp10 = wasm_i32x4_add(tmp0, tmp3), tmp13 = wasm_i32x4_sub(tmp0, tmp3);
  v128_t tmp11 = wasm_i32x4_add(tmp1, tmp2), tmp12 = wasm_i32x4_sub(tmp1, tmp2);

  v128_t t0 = in[7], t1 = in[5], t2 = in[3], t3 = in[1];
  v128_t y1 = wasm_i32x4_add(t0, t3), y2 = wasm_i32x4_add(t1, t2);
  v128_t y3 = wasm_i32x4_add(t0, t2), y4 = wasm_i32x4_add(t1, t3);
  v128_t z5 = mul(wasm_i32x4_add(y3, y4), FIX_1_175875602);
  t0 = mul(t0, FIX_0_298631336);
  t1 = mul(t1, FIX_2_053119869);
  t2 = mul(t2, FIX_3_072711026);
  t3 = mul(t3, FIX_1_501321110);
  y1 = mul(y1, -FIX_0_899976223);
  y2 = mul(y2, -FIX_2_562915447);
  y3 = wasm_i32x4_add(mul(y3, -FIX_1_961570560), z5);
  y4 = wasm_i32x4_add(mul(y4, -FIX_0_390180644), z5);
  t0 = wasm_i32x4_add(t0, wasm_i32x4_add(y1, y3));
  t1 = wasm_i32x4_add(t1, wasm_i32x4_add(y2, y4));
  t2 = wasm_i32x4_add(t2, wasm_i32x4_add(y2, y3));
  t3 = wasm_i32x4_add(t3, wasm_i32x4_add(y1, y4));

  out[0] = descale(wasm_i32x4_add(tmp10, t3), shift);
  out[7] = descale(wasm_i32x4_sub(tmp10, t3), shift);
  out[1] = descale(wasm_i32x4_add(tmp11, t2), shift);
  out[6] = descale(wasm_i32x4_sub(tmp11, t2), shift);
  out[2] = descale(wasm_i32x4_add(tmp12, t1), shift);
  out[5] = descale(wasm_i32x4_sub(tmp12, t1), shift);
  out[3] = descale(wasm_i32x4_add(tmp13, t0), shift);
  out[4] = descale(wasm_i32x4_sub(tmp13, t0), shift);
}

GLOBAL(int)
jsimd_can_idct_islow(void) { return 1; }

GLOBAL(void)
jsimd_idct_islow(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
                 JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const quant_t *quant = (const quant_t *)compptr->dct_table;
  if (fill_dc_only(coef_block, quant, output_buf, output_col, 8)) return;
  v128_t ws[8][2]; /* 8 rows x 8 columns, as two vectors of 4 columns */

  /* Pass 1: columns (lanes), 4 at a time. */
  for (int half = 0; half < 2; half++) {
    v128_t in[8], out[8], ac = wasm_i32x4_splat(0);
    for (int row = 0; row < 8; row++) {
      v128_t c = coefficients(coef_block, row, half);
      if (row) ac = wasm_v128_or(ac, c);
      in[row] = dequantize(c, quant, row, half);
    }
    idct8(in, out, CONST_BITS - PASS1_BITS);
    v128_t zero = is_zero(ac), dc = wasm_i32x4_shl(in[0], PASS1_BITS);
    for (int row = 0; row < 8; row++) ws[row][half] = wasm_v128_bitselect(dc, out[row], zero);
  }

  /* Pass 2: rows (lanes), 4 at a time (rows 0-3, then 4-7). */
  for (int rows = 0; rows < 2; rows++) {
    v128_t col[8], out[8];
    transpose4(ws[rows * 4][0], ws[rows * 4 + 1][0], ws[rows * 4 + 2][0], ws[rows * 4 + 3][0], col);
    transpose4(ws[rows * 4][1], ws[rows * 4 + 1][1], ws[rows * 4 + 2][1], ws[rows * 4 + 3][1], col + 4);
    v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(col[1], col[2]), wasm_v128_or(col[3], col[4])),
                             wasm_v128_or(wasm_v128_or(col[5], col[6]), col[7]));
    idct8(col, out, CONST_BITS + PASS1_BITS + 3);
    v128_t zero = is_zero(ac), dc = descale(col[0], PASS1_BITS + 3);
    for (int k = 0; k < 8; k++) out[k] = range_limit(wasm_v128_bitselect(dc, out[k], zero));
    v128_t low = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(out[0], out[1]), wasm_i16x8_narrow_i32x4(out[2], out[3]));
    v128_t high = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(out[4], out[5]), wasm_i16x8_narrow_i32x4(out[6], out[7]));
    /* Lane r of out[k] is row r, column k: gather each row's 8 bytes, two rows per vector. */
    v128_t rows01 = wasm_i8x16_shuffle(low, high, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    v128_t rows23 = wasm_i8x16_shuffle(low, high, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    wasm_v128_store64_lane(output_buf[rows * 4] + output_col, rows01, 0);
    wasm_v128_store64_lane(output_buf[rows * 4 + 1] + output_col, rows01, 1);
    wasm_v128_store64_lane(output_buf[rows * 4 + 2] + output_col, rows23, 0);
    wasm_v128_store64_lane(output_buf[rows * 4 + 3] + output_col, rows23, 1);
  }
}

GLOBAL(int)
jsimd_can_idct_4x4(void) { return 1; }

GLOBAL(int)
jsimd_can_idct_2x2(void) { return 1; }

GLOBAL(void)
jsimd_idct_4x4(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
               JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const quant_t *quant = (const quant_t *)compptr->dct_table;
  if (fill_dc_only(coef_block, quant, output_buf, output_col, 4)) return;
  v128_t ws[4][2]; /* 4 rows x 8 columns, as two vectors of 4 columns */

  /* Pass 1: columns (lanes), 4 at a time. */
  for (int half = 0; half < 2; half++) {
    v128_t c[8];
    for (int row = 0; row < 8; row++) c[row] = row == 4 ? wasm_i32x4_splat(0) : coefficients(coef_block, row, half);
    v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(c[1], c[2]), wasm_v128_or(c[3], c[5])), wasm_v128_or(c[6], c[7]));
    v128_t zero = is_zero(ac);
    v128_t z0 = dequantize(c[0], quant, 0, half);
    v128_t dc = wasm_i32x4_shl(z0, PASS1_BITS);

    v128_t tmp0 = wasm_i32x4_shl(z0, CONST_BITS + 1);
    v128_t tmp2 = wasm_i32x4_add(mul(dequantize(c[2], quant, 2, half), FIX_1_847759065),
                                 mul(dequantize(c[6], quant, 6, half), -FIX_0_765366865));
    v128_t tmp10 = wasm_i32x4_add(tmp0, tmp2), tmp12 = wasm_i32x4_sub(tmp0, tmp2);

    v128_t z1 = dequantize(c[7], quant, 7, half), z2 = dequantize(c[5], quant, 5, half);
    v128_t z3 = dequantize(c[3], quant, 3, half), z4 = dequantize(c[1], quant, 1, half);
    v128_t odd0 = wasm_i32x4_add(wasm_i32x4_add(mul(z1, -FIX_0_211164243), mul(z2, FIX_1_451774981)),
                                 wasm_i32x4_add(mul(z3, -FIX_2_172734803), mul(z4, FIX_1_061594337)));
    v128_t odd2 = wasm_i32x4_add(wasm_i32x4_add(mul(z1, -FIX_0_509795579), mul(z2, -FIX_0_601344887)),
                                 wasm_i32x4_add(mul(z3, FIX_0_899976223), mul(z4, FIX_2_562915447)));

    const int shift = CONST_BITS - PASS1_BITS + 1;
    ws[0][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp10, odd2), shift), zero);
    ws[3][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp10, odd2), shift), zero);
    ws[1][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp12, odd0), shift), zero);
    ws[2][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp12, odd0), shift), zero);
  }

  /* Transpose: column k of the work array as a vector over the 4 rows. */
  v128_t col[8];
  transpose4(ws[0][0], ws[1][0], ws[2][0], ws[3][0], col);
  transpose4(ws[0][1], ws[1][1], ws[2][1], ws[3][1], col + 4);

  /* Pass 2: rows (lanes), all 4 at once. */
  v128_t ac = wasm_v128_or(wasm_v128_or(wasm_v128_or(col[1], col[2]), wasm_v128_or(col[3], col[5])),
                           wasm_v128_or(col[6], col[7]));
  v128_t zero = is_zero(ac);
  v128_t dc = descale(col[0], PASS1_BITS + 3);

  v128_t tmp0 = wasm_i32x4_shl(col[0], CONST_BITS + 1);
  v128_t tmp2 = wasm_i32x4_add(mul(col[2], FIX_1_847759065), mul(col[6], -FIX_0_765366865));
  v128_t tmp10 = wasm_i32x4_add(tmp0, tmp2), tmp12 = wasm_i32x4_sub(tmp0, tmp2);
  v128_t odd0 = wasm_i32x4_add(wasm_i32x4_add(mul(col[7], -FIX_0_211164243), mul(col[5], FIX_1_451774981)),
                               wasm_i32x4_add(mul(col[3], -FIX_2_172734803), mul(col[1], FIX_1_061594337)));
  v128_t odd2 = wasm_i32x4_add(wasm_i32x4_add(mul(col[7], -FIX_0_509795579), mul(col[5], -FIX_0_601344887)),
                               wasm_i32x4_add(mul(col[3], FIX_0_899976223), mul(col[1], FIX_2_562915447)));

  const int shift = CONST_BITS + PASS1_BITS + 3 + 1;
  v128_t out0 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp10, odd2), shift), zero));
  v128_t out3 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp10, odd2), shift), zero));
  v128_t out1 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp12, odd0), shift), zero));
  v128_t out2 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp12, odd0), shift), zero));

  /* Saturating narrows clamp to 0-255; then bytes from column-major to row-major. */
  v128_t bytes = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(out0, out1), wasm_i16x8_narrow_i32x4(out2, out3));
  bytes = wasm_i8x16_shuffle(bytes, bytes, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  wasm_v128_store32_lane(output_buf[0] + output_col, bytes, 0);
  wasm_v128_store32_lane(output_buf[1] + output_col, bytes, 1);
  wasm_v128_store32_lane(output_buf[2] + output_col, bytes, 2);
  wasm_v128_store32_lane(output_buf[3] + output_col, bytes, 3);
}

GLOBAL(void)
jsimd_idct_2x2(j_decompress_ptr cinfo, jpeg_component_info *compptr, JCOEFPTR coef_block,
               JSAMPARRAY output_buf, JDIMENSION output_col) {
  (void)cinfo;
  const quant_t *quant = (const quant_t *)compptr->dct_table;
  if (fill_dc_only(coef_block, quant, output_buf, output_col, 2)) return;
  v128_t ws[2][2]; /* 2 rows x 8 columns */

  /* Pass 1: columns (lanes), 4 at a time. */
  for (int half = 0; half < 2; half++) {
    v128_t c1 = coefficients(coef_block, 1, half), c3 = coefficients(coef_block, 3, half);
    v128_t c5 = coefficients(coef_block, 5, half), c7 = coefficients(coef_block, 7, half);
    v128_t zero = is_zero(wasm_v128_or(wasm_v128_or(c1, c3), wasm_v128_or(c5, c7)));
    v128_t z0 = dequantize(coefficients(coef_block, 0, half), quant, 0, half);
    v128_t dc = wasm_i32x4_shl(z0, PASS1_BITS);
    v128_t tmp10 = wasm_i32x4_shl(z0, CONST_BITS + 2);
    v128_t tmp0 = wasm_i32x4_add(
        wasm_i32x4_add(mul(dequantize(c7, quant, 7, half), -FIX_0_720959822),
                       mul(dequantize(c5, quant, 5, half), FIX_0_850430095)),
        wasm_i32x4_add(mul(dequantize(c3, quant, 3, half), -FIX_1_272758580),
                       mul(dequantize(c1, quant, 1, half), FIX_3_624509785)));
    const int shift = CONST_BITS - PASS1_BITS + 2;
    ws[0][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp10, tmp0), shift), zero);
    ws[1][half] = wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp10, tmp0), shift), zero);
  }

  /* Columns 0, 1, 3, 5, 7 of the two rows as vectors over rows (lanes 0 and 1; 2 and 3 repeat them). */
  v128_t col0 = wasm_i32x4_shuffle(ws[0][0], ws[1][0], 0, 4, 0, 4);
  v128_t col1 = wasm_i32x4_shuffle(ws[0][0], ws[1][0], 1, 5, 1, 5);
  v128_t col3 = wasm_i32x4_shuffle(ws[0][0], ws[1][0], 3, 7, 3, 7);
  v128_t col5 = wasm_i32x4_shuffle(ws[0][1], ws[1][1], 1, 5, 1, 5);
  v128_t col7 = wasm_i32x4_shuffle(ws[0][1], ws[1][1], 3, 7, 3, 7);

  /* Pass 2: rows (lanes). */
  v128_t zero = is_zero(wasm_v128_or(wasm_v128_or(col1, col3), wasm_v128_or(col5, col7)));
  v128_t dc = descale(col0, PASS1_BITS + 3);
  v128_t tmp10 = wasm_i32x4_shl(col0, CONST_BITS + 2);
  v128_t tmp0 = wasm_i32x4_add(wasm_i32x4_add(mul(col7, -FIX_0_720959822), mul(col5, FIX_0_850430095)),
                               wasm_i32x4_add(mul(col3, -FIX_1_272758580), mul(col1, FIX_3_624509785)));
  const int shift = CONST_BITS + PASS1_BITS + 3 + 2;
  v128_t out0 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_add(tmp10, tmp0), shift), zero));
  v128_t out1 = range_limit(wasm_v128_bitselect(dc, descale(wasm_i32x4_sub(tmp10, tmp0), shift), zero));

  /* Bytes: out0 row 0, out1 row 0, out0 row 1, out1 row 1. */
  v128_t words = wasm_i16x8_narrow_i32x4(out0, out1);
  v128_t bytes = wasm_u8x16_narrow_i16x8(words, words);
  bytes = wasm_i8x16_shuffle(bytes, bytes, 0, 4, 1, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  wasm_v128_store16_lane(output_buf[0] + output_col, bytes, 0);
  wasm_v128_store16_lane(output_buf[1] + output_col, bytes, 1);
}

/* --- YCbCr to RGB (jdcolext.c): jdcolor.c's table values, computed. SCALEBITS 16. */

#define FIX16_1_40200 91881
#define FIX16_1_77200 116130
#define FIX16_0_71414 46802
#define FIX16_0_34414 22554

GLOBAL(int)
jsimd_can_ycc_rgb(void) { return 1; }

static inline void ycc_pixel(int y, int cb, int cr, int *r, int *g, int *b) {
  int x_cb = cb - CENTERJSAMPLE, x_cr = cr - CENTERJSAMPLE;
  int red = y + ((FIX16_1_40200 * x_cr + (1 << 15)) >> 16);
  int green = y + ((-FIX16_0_34414 * x_cb + (1 << 15) - FIX16_0_71414 * x_cr) >> 16);
  int blue = y + ((FIX16_1_77200 * x_cb + (1 << 15)) >> 16);
  *r = red < 0 ? 0 : red > MAXJSAMPLE ? MAXJSAMPLE : red;
  *g = green < 0 ? 0 : green > MAXJSAMPLE ? MAXJSAMPLE : green;
  *b = blue < 0 ? 0 : blue > MAXJSAMPLE ? MAXJSAMPLE : blue;
}

/* One channel of four pixels (32-bit lanes) before clamping. */
static inline void ycc4(v128_t y, v128_t cb, v128_t cr, v128_t *r, v128_t *g, v128_t *b) {
  v128_t half = wasm_i32x4_splat(1 << 15), center = wasm_i32x4_splat(CENTERJSAMPLE);
  v128_t x_cb = wasm_i32x4_sub(cb, center), x_cr = wasm_i32x4_sub(cr, center);
  *r = wasm_i32x4_add(y, wasm_i32x4_shr(wasm_i32x4_add(mul(x_cr, FIX16_1_40200), half), 16));
  *g = wasm_i32x4_add(
      y, wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(mul(x_cb, -FIX16_0_34414), half), mul(x_cr, -FIX16_0_71414)), 16));
  *b = wasm_i32x4_add(y, wasm_i32x4_shr(wasm_i32x4_add(mul(x_cb, FIX16_1_77200), half), 16));
}

/* Sixteen bytes as four vectors of 32-bit lanes. */
static inline void widen16(v128_t bytes, v128_t *out) {
  v128_t low = wasm_u16x8_extend_low_u8x16(bytes), high = wasm_u16x8_extend_high_u8x16(bytes);
  out[0] = wasm_u32x4_extend_low_u16x8(low);
  out[1] = wasm_u32x4_extend_high_u16x8(low);
  out[2] = wasm_u32x4_extend_low_u16x8(high);
  out[3] = wasm_u32x4_extend_high_u16x8(high);
}

/* Four vectors of 32-bit lanes, clamped to 0-255 (range_limit), as sixteen bytes. */
static inline v128_t narrow16(const v128_t *v) {
  return wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v[0], v[1]), wasm_i16x8_narrow_i32x4(v[2], v[3]));
}

GLOBAL(void)
jsimd_ycc_rgb_convert(j_decompress_ptr cinfo, JSAMPIMAGE input_buf, JDIMENSION input_row, JSAMPARRAY output_buf,
                      int num_rows) {
  JDIMENSION width = cinfo->output_width;
  int red = rgb_red[cinfo->out_color_space], green = rgb_green[cinfo->out_color_space];
  int blue = rgb_blue[cinfo->out_color_space], size = rgb_pixelsize[cinfo->out_color_space];
  int rgba = red == 0 && green == 1 && blue == 2 && size == 4;
  while (--num_rows >= 0) {
    JSAMPROW in_y = input_buf[0][input_row], in_cb = input_buf[1][input_row], in_cr = input_buf[2][input_row];
    JSAMPROW out = *output_buf++;
    JDIMENSION col = 0;
    input_row++;
    /* RGBA, what our glue asks for: sixteen pixels at a time. */
    for (; rgba && col + 16 <= width; col += 16) {
      v128_t y[4], cb[4], cr[4], r[4], g[4], b[4];
      widen16(wasm_v128_load(in_y + col), y);
      widen16(wasm_v128_load(in_cb + col), cb);
      widen16(wasm_v128_load(in_cr + col), cr);
      for (int i = 0; i < 4; i++) ycc4(y[i], cb[i], cr[i], &r[i], &g[i], &b[i]);
      v128_t r8 = narrow16(r), g8 = narrow16(g), b8 = narrow16(b), a8 = wasm_i8x16_splat((char)MAXJSAMPLE);
      v128_t rg_low = wasm_i8x16_shuffle(r8, g8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      v128_t rg_high = wasm_i8x16_shuffle(r8, g8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      v128_t ba_low = wasm_i8x16_shuffle(b8, a8, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
      v128_t ba_high = wasm_i8x16_shuffle(b8, a8, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
      JSAMPROW at = out + (size_t)col * 4;
      wasm_v128_store(at, wasm_i8x16_shuffle(rg_low, ba_low, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
      wasm_v128_store(at + 16,
                      wasm_i8x16_shuffle(rg_low, ba_low, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
      wasm_v128_store(at + 32, wasm_i8x16_shuffle(rg_high, ba_high, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
      wasm_v128_store(at + 48,
                      wasm_i8x16_shuffle(rg_high, ba_high, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31));
    }
    /* The rest, and every other pixel layout, one pixel at a time. */
    for (; col < width; col++) {
      int r, g, b;
      ycc_pixel(in_y[col], in_cb[col], in_cr[col], &r, &g, &b);
      JSAMPROW pixel = out + (size_t)col * size;
      pixel[red] = (JSAMPLE)r;
      pixel[green] = (JSAMPLE)g;
      pixel[blue] = (JSAMPLE)b;
      if (size == 4) pixel[6 - red - green - blue] = MAXJSAMPLE; /* the fourth byte: opaque alpha */
    }
  }
}

/* --- 4:2:0 fancy upsampling (jdsample.c h2v2_fancy_upsample): triangle filter, 9/16 3/16 3/16 1/16. */

GLOBAL(int)
jsimd_can_h2v2_fancy_upsample(void) { return 1; }

/* 3 x nearer + further, for eight columns from `at`, as 16-bit lanes. */
static inline v128_t colsum8(JSAMPROW near, JSAMPROW far, JDIMENSION at) {
  v128_t a = wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(near + at));
  v128_t b = wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(far + at));
  return wasm_i16x8_add(wasm_i16x8_mul(a, wasm_i16x8_splat(3)), b);
}

GLOBAL(void)
jsimd_h2v2_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                          JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION n = compptr->downsampled_width; /* more than 2: jdsample.c checks */
  int inrow = 0, outrow = 0;
  while (outrow < cinfo->max_v_samp_factor) {
    for (int v = 0; v < 2; v++) {
      JSAMPROW near = input_data[inrow], far = input_data[v == 0 ? inrow - 1 : inrow + 1];
      JSAMPROW out = output_data[outrow++];
#define COLSUM(i) ((int)near[i] * 3 + (int)far[i])
      out[0] = (JSAMPLE)((COLSUM(0) * 4 + 8) >> 4);
      out[1] = (JSAMPLE)((COLSUM(0) * 3 + COLSUM(1) + 7) >> 4);
      JDIMENSION i = 1;
      /* Eight columns at a time while column i + 8 (the last one's right neighbour) exists. */
      for (; i + 8 < n; i += 8) {
        v128_t previous = colsum8(near, far, i - 1), current = colsum8(near, far, i), next = colsum8(near, far, i + 1);
        v128_t three = wasm_i16x8_mul(current, wasm_i16x8_splat(3));
        v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(three, previous), wasm_i16x8_splat(8)), 4);
        v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(three, next), wasm_i16x8_splat(7)), 4);
        v128_t bytes = wasm_u8x16_narrow_i16x8(even, odd);
        wasm_v128_store(out + 2 * (size_t)i,
                        wasm_i8x16_shuffle(bytes, bytes, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
      }
      for (; i + 1 < n; i++) {
        out[2 * i] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i - 1) + 8) >> 4);
        out[2 * i + 1] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i + 1) + 7) >> 4);
      }
      out[2 * i] = (JSAMPLE)((COLSUM(i) * 3 + COLSUM(i - 1) + 8) >> 4);
      out[2 * i + 1] = (JSAMPLE)((COLSUM(i) * 4 + 7) >> 4);
#undef COLSUM
    }
    inrow++;
  }
}

/* --- 4:2:2 fancy upsampling (jdsample.c h2v1_fancy_upsample): 3/4 nearer, 1/4 further. */

GLOBAL(int)
jsimd_can_h2v1_fancy_upsample(void) { return 1; }

static inline v128_t widen8(JSAMPROW row, JDIMENSION at) {
  return wasm_u16x8_extend_low_u8x16(wasm_v128_load64_zero(row + at));
}

GLOBAL(void)
jsimd_h2v1_fancy_upsample(j_decompress_ptr cinfo, jpeg_component_info *compptr, JSAMPARRAY input_data,
                          JSAMPARRAY *output_data_ptr) {
  JSAMPARRAY output_data = *output_data_ptr;
  JDIMENSION n = compptr->downsampled_width; /* more than 2: jdsample.c checks */
  for (int row = 0; row < cinfo->max_v_samp_factor; row++) {
    JSAMPROW in = input_data[row], out = output_data[row];
    out[0] = in[0];
    out[1] = (JSAMPLE)((in[0] * 3 + in[1] + 2) >> 2);
    JDIMENSION i = 1;
    for (; i + 8 < n; i += 8) {
      v128_t three = wasm_i16x8_mul(widen8(in, i), wasm_i16x8_splat(3));
      v128_t even = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(three, widen8(in, i - 1)), wasm_i16x8_splat(1)), 2);
      v128_t odd = wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_add(three, widen8(in, i + 1)), wasm_i16x8_splat(2)), 2);
      v128_t bytes = wasm_u8x16_narrow_i16x8(even, odd);
      wasm_v128_store(out + 2 * (size_t)i,
                      wasm_i8x16_shuffle(bytes, bytes, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15));
    }
    for (; i + 1 < n; i++) {
      out[2 * i] = (JSAMPLE)((in[i] * 3 + in[i - 1] + 1) >> 2);
      out[2 * i + 1] = (JSAMPLE)((in[i] * 3 + in[i + 1] + 2) >> 2);
    }
    out[2 * i] = (JSAMPLE)((in[i] * 3 + in[i - 1] + 1) >> 2);
    out[2 * i + 1] = in[i];
  }
}
