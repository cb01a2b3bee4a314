/*
 * For libjpeg-turbo's progressive refinement decoding (jdphuff.c, one of our edits in wasm/build.mjs):
 * whether any coefficient of `block` in the spectral band Ss..Se (zigzag positions) is nonzero, with
 * SIMD128: the block's nonzero coefficients as a 64-bit mask in natural order, against the band's
 * natural-order positions (cached per band: one decoder, one thread).
 */
#ifndef EDGE_RESIZER_REFINE_SKIP_H
#define EDGE_RESIZER_REFINE_SKIP_H
#include <stdint.h>
#include <wasm_simd128.h>

static inline int band_has_nonzero(JCOEFPTR block, int Ss, int Se) {
  static int cached_ss = -1, cached_se = -1;
  static uint64_t band;
  if (Ss != cached_ss || Se != cached_se) {
    band = 0;
    for (int k = Ss; k <= Se && k < DCTSIZE2; k++) band |= (uint64_t)1 << jpeg_natural_order[k];
    cached_ss = Ss, cached_se = Se;
  }
  uint64_t nonzero = 0;
  for (int row = 0; row < 8; row++) {
    v128_t zero = wasm_i16x8_eq(wasm_v128_load(block + row * 8), wasm_i16x8_splat(0));
    nonzero |= (uint64_t)(~wasm_i16x8_bitmask(zero) & 0xff) << (row * 8);
  }
  return (nonzero & band) != 0;
}
#endif
