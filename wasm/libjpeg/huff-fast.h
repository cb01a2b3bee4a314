/*
 * For libjpeg-turbo's Huffman decoder (jdhuff.c, our edits in wasm/build.mjs): a second lookahead
 * table for AC coefficients that decodes a whole coefficient (code, run and the value's extra bits)
 * in one lookup when all of it fits in FAST_AC_BITS bits, which most coefficients of a photo do
 * (and one for DC differences, make_fast_dc below).
 * libjpeg-turbo's own path takes two lookups, a refill test and a sign extension per coefficient;
 * it stays as the fallback for everything the table does not hold (long codes, large values, ZRL).
 *
 * An entry is 0 (not in the table) or (value << 16) | (run << 8) | bits, where bits (1 to
 * FAST_AC_BITS) is how many bits the coefficient takes. A value of 0 marks an end of block: any
 * symbol with size 0 but ZRL, as libjpeg-turbo's decoder ends the block on all of them.
 */
#ifndef EDGE_RESIZER_HUFF_FAST_H
#define EDGE_RESIZER_HUFF_FAST_H
#include <string.h>

static void make_fast_ac(int *fast_ac, const char *huffsize, const unsigned int *huffcode,
                         const UINT8 *huffval, int numsymbols) {
  memset(fast_ac, 0, sizeof(int) << FAST_AC_BITS);
  for (int p = 0; p < numsymbols; p++) {
    int length = huffsize[p], run = huffval[p] >> 4, size = huffval[p] & 15;
    if (length > FAST_AC_BITS) break; /* huffsize[] is in increasing order */
    if (size == 0) {
      if (run == 15) continue; /* ZRL: sixteen zeros, left to the fallback */
      int first = (int)huffcode[p] << (FAST_AC_BITS - length);
      for (int i = 0; i < 1 << (FAST_AC_BITS - length); i++) fast_ac[first + i] = length;
      continue;
    }
    int bits = length + size;
    if (bits > FAST_AC_BITS) continue;
    for (int extra = 0; extra < 1 << size; extra++) {
      /* Section F.2.2.1's EXTEND: the extra bits are the value, or its complement when below half */
      int value = extra < 1 << (size - 1) ? extra - (1 << size) + 1 : extra;
      int entry = (int)((unsigned int)value << 16) | run << 8 | bits;
      int first = (int)(huffcode[p] << size | extra) << (FAST_AC_BITS - bits);
      for (int i = 0; i < 1 << (FAST_AC_BITS - bits); i++) fast_ac[first + i] = entry;
    }
  }
}

/*
 * One step of decode_mcu_fast's AC loop from the table, `store` writing the value (e >> 16) at k:
 * refill, look up, and either end the block or place the coefficient and go on to the next;
 * otherwise fall through to libjpeg-turbo's own decoding of the same bits.
 */
#define FAST_AC_STEP(store) \
  { \
    int e; \
    FILL_BIT_BUFFER_FAST \
    e = actbl->fast_ac[PEEK_BITS(FAST_AC_BITS)]; \
    if (e & 0xFF) { \
      DROP_BITS(e & 0xFF); \
      if (!(e >> 16)) break; \
      k += (e >> 8) & 0xFF; \
      store; \
      continue; \
    } \
  }
/*
 * The same for a DC table: an entry is 0 or (difference << 16) | bits, the difference being the
 * decoded DC difference (0 for the size-0 symbol), when code and extra bits fit in FAST_AC_BITS.
 */
static void make_fast_dc(int *fast_dc, const char *huffsize, const unsigned int *huffcode,
                         const UINT8 *huffval, int numsymbols) {
  memset(fast_dc, 0, sizeof(int) << FAST_AC_BITS);
  for (int p = 0; p < numsymbols; p++) {
    int length = huffsize[p], size = huffval[p];
    if (length > FAST_AC_BITS) break;
    int bits = length + size;
    if (size > 15 || bits > FAST_AC_BITS) continue;
    for (int extra = 0; extra < 1 << size; extra++) {
      int value = size == 0 ? 0 : extra < 1 << (size - 1) ? extra - (1 << size) + 1 : extra;
      int entry = (int)((unsigned int)value << 16) | bits;
      int first = (int)(huffcode[p] << size | extra) << (FAST_AC_BITS - bits);
      for (int i = 0; i < 1 << (FAST_AC_BITS - bits); i++) fast_dc[first + i] = entry;
    }
  }
}
#endif
