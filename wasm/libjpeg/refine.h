/*
 * For libjpeg-turbo's progressive refinement decoding (decode_mcu_AC_refine in jdphuff.c, our edits
 * in wasm/build.mjs). A refinement scan appends one correction bit to every coefficient of the band
 * that is already nonzero, in zigzag order, and libjpeg-turbo walks the band a position at a time,
 * testing each coefficient and reading its bit on its own. Here the block's nonzero coefficients are
 * a 64-bit mask in zigzag order (SIMD128), so a run of positions costs a few mask operations, one
 * refill and one read of all its correction bits, and a loop over the nonzero coefficients alone.
 * Exact: the same bits go to the same coefficients.
 */
#ifndef EDGE_RESIZER_REFINE_H
#define EDGE_RESIZER_REFINE_H
#include <stdint.h>
#include <wasm_simd128.h>

/* Bits lo..hi-1 (0 <= lo <= hi <= 64). */
static inline uint64_t refine_range(int lo, int hi) {
  uint64_t below_hi = hi >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << hi) - 1;
  return below_hi & ~(((uint64_t)1 << lo) - 1);
}

/* Which coefficients of `block` (natural order) are nonzero, as bit z for zigzag position z. */
static inline uint64_t refine_nonzero(const JCOEF *block) {
  /* swizzle[j][i][t]: where zigzag position 16j + t sits in the i-th 16 natural positions, or 0xff
   * (swizzle gives 0) when it sits in another sixteen. Built once: read-only afterwards. */
  static uint8_t swizzle[4][4][16];
  static int ready;
  if (!ready) {
    for (int z = 0; z < DCTSIZE2; z++)
      for (int i = 0; i < 4; i++) {
        int at = jpeg_natural_order[z] - 16 * i;
        swizzle[z / 16][i][z % 16] = at >= 0 && at < 16 ? (uint8_t)at : 0xff;
      }
    ready = 1;
  }
  v128_t natural[4];
  for (int i = 0; i < 4; i++) {
    v128_t lo = wasm_i16x8_ne(wasm_v128_load(block + 16 * i), wasm_i16x8_splat(0));
    v128_t hi = wasm_i16x8_ne(wasm_v128_load(block + 16 * i + 8), wasm_i16x8_splat(0));
    natural[i] = wasm_i8x16_narrow_i16x8(lo, hi);
  }
  uint64_t mask = 0;
  for (int j = 0; j < 4; j++) {
    v128_t zigzag = wasm_i8x16_swizzle(natural[0], wasm_v128_load(swizzle[j][0]));
    for (int i = 1; i < 4; i++)
      zigzag = wasm_v128_or(zigzag, wasm_i8x16_swizzle(natural[i], wasm_v128_load(swizzle[j][i])));
    mask |= (uint64_t)wasm_i8x16_bitmask(zigzag) << (16 * j);
  }
  return mask;
}

/*
 * Appends correction bits to the coefficients at zigzag positions `positions` (all nonzero), in
 * order: at most 32 bits per refill, each bit read MSB first; a 1 moves a coefficient whose bit p1
 * is still clear one step further from zero. Uses decode_mcu_AC_refine's locals (block, p1, m1, the
 * bit reader) and leaves by `failaction` when the source must suspend, as libjpeg-turbo's CHECK does.
 */
#define REFINE_CORRECT(positions, failaction) \
  { \
    uint64_t left_ = (positions); \
    while (left_) { \
      int n_ = __builtin_popcountll(left_); \
      if (n_ > 32) n_ = 32; \
      CHECK_BIT_BUFFER(br_state, n_, failaction); \
      bits_left -= n_; \
      uint32_t bits_ = (uint32_t)(get_buffer >> bits_left) << (32 - n_); \
      for (int i_ = 0; i_ < n_; i_++, bits_ <<= 1) { \
        JCOEF *coef_ = *block + jpeg_natural_order[__builtin_ctzll(left_)]; \
        int value_ = *coef_; \
        int up_ = (int)(bits_ >> 31) & ((value_ & p1) == 0); \
        *coef_ = (JCOEF)(value_ + (up_ ? (value_ >= 0 ? p1 : m1) : 0)); \
        left_ &= left_ - 1; \
      } \
    } \
  }

/*
 * After a refinement symbol: advance k over already-nonzero coefficients (correcting them) and r
 * zero ones, stopping on the next zero (the one a new coefficient s goes to) or after Se, then
 * place s there. As libjpeg-turbo's do-while loop and the newly-nonzero output after it.
 */
#define REFINE_ADVANCE(nonzero, failaction) \
  { \
    uint64_t zeros_ = ~(nonzero) & refine_range(k, Se + 1); \
    for (int skip_ = r; skip_ > 0 && zeros_; skip_--) zeros_ &= zeros_ - 1; \
    int stop_ = zeros_ ? __builtin_ctzll(zeros_) : Se + 1; \
    REFINE_CORRECT((nonzero) & refine_range(k, stop_), failaction); \
    k = stop_; \
    if (s) { \
      int pos = jpeg_natural_order[k]; \
      (*block)[pos] = (JCOEF)s; \
      newnz_pos[num_newnz++] = pos; \
      if (k < DCTSIZE2) (nonzero) |= (uint64_t)1 << k; \
    } \
  }
#endif
