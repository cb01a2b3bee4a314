// Whether every pixel of an RGBA8 image has alpha 255, with SIMD128: the resampler's test for its
// fixed-point pass, and the PNG decoder's, so that an opaque PNG never reaches the resampler as one
// with alpha. No libc.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

static inline int all_opaque(const uint8_t *rgba, size_t pixels) {
  const v128_t alpha = wasm_i32x4_splat((int32_t)0xff000000);
  v128_t all = alpha;
  size_t i = 0;
  for (; i + 4 <= pixels; i += 4) all = wasm_v128_and(all, wasm_v128_load(rgba + i * 4));
  int opaque = wasm_i32x4_all_true(wasm_i32x4_eq(wasm_v128_and(all, alpha), alpha));
  for (; i < pixels; i++) opaque &= rgba[i * 4 + 3] == 255;
  return opaque;
}
