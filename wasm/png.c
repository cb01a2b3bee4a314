/*
 * PNG with Debian's libpng and zlib (wasm/debian/sources.json), our own glue.
 *
 * Decoding: any PNG (palette, grey, 1-16 bits, tRNS, interlaced) to RGBA8, with its iCCP profile.
 * Encoding: RGBA8 in the smallest colour type that holds the image exactly: grey when every pixel is
 * grey, alpha only when some pixel is not opaque, a palette when there are at most 256 colours (and
 * the image is not grey); zlib level 6 as sharp, with libpng's adaptive row filters.
 *
 * Fatal errors call the host's `fail`, which throws; the host then discards this instance.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opaque.h"
#include "png.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);
/* An allocation failed: the module's memory is at its maximum (the wall, wasm/build.mjs). The host
 * throws a typed error (codec-failure) and discards this instance. */
__attribute__((import_module("env"), import_name("out_of_memory"), noreturn)) void host_out_of_memory(void);

__attribute__((export_name("png_alloc"))) uint8_t *png_alloc_bytes(size_t size) { return malloc(size); }
__attribute__((export_name("png_release"))) void png_release(void *pointer) { free(pointer); }

static void on_error(png_structp png, png_const_charp message) {
  (void)png;
  host_fail(message);
}

static void on_warning(png_structp png, png_const_charp message) {
  (void)message;
  uint32_t *warnings = png_get_error_ptr(png);
  if (warnings) (*warnings)++;
}

/* --- decoding */

typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t warnings;
  uint8_t *data;
  uint8_t *icc;
  uint32_t icc_length;
  /** PNG colour type and bit depth of the input. */
  uint32_t color_type;
  uint32_t bit_depth;
  /** 1: every pixel's alpha is 255 (no alpha channel or transparency, or one that is opaque throughout). */
  uint32_t opaque;
} decoded_t;

typedef struct {
  const uint8_t *bytes;
  size_t size;
  size_t at;
} reader_t;

static void read_bytes(png_structp png, png_bytep out, size_t length) {
  reader_t *reader = png_get_io_ptr(png);
  if (length > reader->size - reader->at) png_error(png, "PNG data ends early");
  memcpy(out, reader->bytes + reader->at, length);
  reader->at += length;
}

__attribute__((export_name("png_decode"))) decoded_t *png_decode(const uint8_t *input, size_t size) {
  decoded_t *result = calloc(1, sizeof(decoded_t));
  if (!result) host_out_of_memory();
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &result->warnings, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) host_out_of_memory();
  reader_t reader = {input, size, 0};
  png_set_read_fn(png, &reader, read_bytes);
  // Decompression bombs in the image are bounded by the caller's pixel limits (checked from the
  // header first). Ancillary chunks are bounded here, before png_read_info inflates any: the ones
  // the output never uses are skipped through their CRC without being inflated or stored (300 zTXt
  // chunks of 15.9 MB each took 4 GB and 30 s), and the one kept compressed chunk, iCCP (colour
  // management needs it), inflates to at most 4 MiB, once: a larger profile is dropped with a
  // warning (a 16 MiB one cost 0.2-1.6 s through the colour engine; real ones are kilobytes). sRGB,
  // gAMA and cHRM stay: fixed sizes, and they decide which iCCP libpng accepts.
  static const png_byte unused[] = "tEXt\0zTXt\0iTXt\0sPLT\0eXIf\0tIME\0pHYs\0bKGD\0hIST\0oFFs\0pCAL\0sCAL";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, unused, 12);
  png_set_chunk_malloc_max(png, 4 * 1024 * 1024);
  png_set_chunk_cache_max(png, 32);
  png_read_info(png, info);

  png_uint_32 width = 0, height = 0;
  int bit_depth = 0, color_type = 0;
  png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
  result->color_type = (uint32_t)color_type;
  result->bit_depth = (uint32_t)bit_depth;

  png_charp name = NULL;
  int compression = 0;
  png_bytep profile = NULL;
  png_uint_32 profile_length = 0;
  if (png_get_iCCP(png, info, &name, &compression, &profile, &profile_length) && profile_length) {
    result->icc = malloc(profile_length);
    if (!result->icc) host_out_of_memory();
    memcpy(result->icc, profile, profile_length);
    result->icc_length = profile_length;
  }

  png_set_expand(png);          // palette to RGB, low-bit grey to 8 bits, tRNS to alpha
  png_set_scale_16(png);        // 16 bits to 8, rounded
  png_set_gray_to_rgb(png);
  png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != (size_t)width * 4) host_fail("unexpected PNG row layout");

  uint8_t *data = malloc((size_t)width * height * 4);
  png_bytep *rows = malloc(sizeof(png_bytep) * height);
  if (!data || !rows) host_out_of_memory();
  for (png_uint_32 y = 0; y < height; y++) rows[y] = data + (size_t)y * width * 4;
  png_read_image(png, rows);
  // The chunks after the image are checked (CRCs, IEND) but a late iCCP is discarded uninflated
  // too (the text chunks already are): nothing after IDAT changes the pixels.
  static const png_byte after_image[] = "iCCP";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, after_image, 1);
  png_read_end(png, NULL);
  free(rows);
  int alpha = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);
  png_destroy_read_struct(&png, &info, NULL);

  result->width = width;
  result->height = height;
  result->data = data;
  result->opaque = (uint32_t)(!alpha || all_opaque(data, (size_t)width * height));
  return result;
}

__attribute__((export_name("png_decoded_release"))) void png_decoded_release(decoded_t *result) {
  if (!result) return;
  free(result->data);
  free(result->icc);
  free(result);
}

/* --- encoding */

typedef struct {
  uint8_t *data;
  size_t size;
  size_t capacity;
} output_t;

static void write_bytes(png_structp png, png_bytep bytes, size_t length) {
  output_t *out = png_get_io_ptr(png);
  if (out->size + length > out->capacity) {
    size_t capacity = out->capacity ? out->capacity * 2 : 65536;
    while (capacity < out->size + length) capacity *= 2;
    uint8_t *grown = realloc(out->data, capacity);
    if (!grown) png_error(png, "out of memory");
    out->data = grown;
    out->capacity = capacity;
  }
  memcpy(out->data + out->size, bytes, length);
  out->size += length;
}

static void flush_bytes(png_structp png) { (void)png; }

#define SLOTS 1024 /* open addressing for at most 256 colours */

/** Up to 256 distinct RGBA colours, in order of appearance; -1 when there are more. */
static int find_palette(const uint32_t *pixels, size_t count, uint32_t *palette, uint16_t *slots_index,
                        uint32_t *slots_colour) {
  int colours = 0;
  for (int i = 0; i < SLOTS; i++) slots_index[i] = 0xffff;
  for (size_t i = 0; i < count; i++) {
    uint32_t colour = pixels[i];
    uint32_t slot = (colour * 2654435761u) >> 22;
    while (slots_index[slot] != 0xffff && slots_colour[slot] != colour) slot = (slot + 1) & (SLOTS - 1);
    if (slots_index[slot] == 0xffff) {
      if (colours == 256) return -1;
      slots_index[slot] = (uint16_t)colours;
      slots_colour[slot] = colour;
      palette[colours++] = colour;
    }
  }
  return colours;
}

static uint8_t palette_index(uint32_t colour, const uint16_t *slots_index, const uint32_t *slots_colour) {
  uint32_t slot = (colour * 2654435761u) >> 22;
  while (slots_colour[slot] != colour) slot = (slot + 1) & (SLOTS - 1);
  return (uint8_t)slots_index[slot];
}

typedef struct {
  uint8_t *data;
  uint32_t size;
  uint32_t color_type;
} encoded_t;

__attribute__((export_name("png_encode"))) encoded_t *png_encode(const uint8_t *rgba, uint32_t width,
                                                                 uint32_t height, int level) {
  size_t count = (size_t)width * height;
  int opaque = 1, grey = 1;
  for (size_t i = 0; i < count && (opaque || grey); i++) {
    const uint8_t *p = rgba + i * 4;
    if (p[3] != 255) opaque = 0;
    if (p[0] != p[1] || p[1] != p[2]) grey = 0;
  }
  static uint32_t palette[256];
  static uint16_t slots_index[SLOTS];
  static uint32_t slots_colour[SLOTS];
  int colours = grey ? -1 : find_palette((const uint32_t *)rgba, count, palette, slots_index, slots_colour);
  int color_type = colours > 0 ? PNG_COLOR_TYPE_PALETTE
                   : grey      ? (opaque ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_GRAY_ALPHA)
                               : (opaque ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_RGB_ALPHA);
  int channels = color_type == PNG_COLOR_TYPE_RGB_ALPHA ? 4
                 : color_type == PNG_COLOR_TYPE_RGB     ? 3
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                           : 1;

  encoded_t *result = calloc(1, sizeof(encoded_t));
  output_t out = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  uint8_t *row = malloc((size_t)width * channels);
  if (!result || !info || !row) host_out_of_memory();
  png_set_write_fn(png, &out, write_bytes, flush_bytes);
  png_set_compression_level(png, level);
  png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    png_color plte[256];
    png_byte trns[256];
    int last_translucent = -1;
    for (int i = 0; i < colours; i++) {
      const uint8_t *c = (const uint8_t *)&palette[i];
      plte[i].red = c[0], plte[i].green = c[1], plte[i].blue = c[2];
      trns[i] = c[3];
      if (c[3] != 255) last_translucent = i;
    }
    png_set_PLTE(png, info, plte, colours);
    if (last_translucent >= 0) png_set_tRNS(png, info, trns, last_translucent + 1, NULL);
    // Palette images compress best unfiltered (the PNG specification's advice).
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
  }
  png_write_info(png, info);
  for (uint32_t y = 0; y < height; y++) {
    const uint8_t *src = rgba + (size_t)y * width * 4;
    for (uint32_t x = 0; x < width; x++) {
      const uint8_t *p = src + x * 4;
      uint8_t *d = row + (size_t)x * channels;
      switch (color_type) {
        case PNG_COLOR_TYPE_PALETTE:
          d[0] = palette_index(*(const uint32_t *)p, slots_index, slots_colour);
          break;
        case PNG_COLOR_TYPE_GRAY:
          d[0] = p[0];
          break;
        case PNG_COLOR_TYPE_GRAY_ALPHA:
          d[0] = p[0], d[1] = p[3];
          break;
        case PNG_COLOR_TYPE_RGB:
          d[0] = p[0], d[1] = p[1], d[2] = p[2];
          break;
        default:
          memcpy(d, p, 4);
      }
    }
    png_write_row(png, row);
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  free(row);
  result->data = out.data;
  result->size = (uint32_t)out.size;
  result->color_type = (uint32_t)color_type;
  return result;
}

__attribute__((export_name("png_encoded_release"))) void png_encoded_release(encoded_t *result) {
  if (!result) return;
  free(result->data);
  free(result);
}
