/*
 * JPEG decoding with Debian's libjpeg-turbo (wasm/debian/sources.json), our own glue. One call decodes
 * a whole image: DCT-domain scaling (shrink-on-load), arithmetic and Huffman coding, baseline and
 * progressive, YCbCr, grey and RGB to RGBA; CMYK and YCCK to CMYK (Adobe's inverted CMYK is put the
 * right way up), for the colour engine to convert. The embedded ICC profile (APP2, possibly split over
 * several segments) comes out with the pixels.
 *
 * Fatal errors call the host's `fail`, which throws: the stack unwinds out of WebAssembly and the host
 * discards this instance. Warnings (data ending early, corrupt segments) are counted and reported.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jpeglib.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);

/** Progressive JPEGs are refused past this many scans, against scan-count decompression bombs. */
#define MAX_SCANS 500

typedef struct {
  uint32_t width;
  uint32_t height;
  /** 1: `data` holds CMYK (0 = no ink), else RGBA. */
  uint32_t cmyk;
  uint32_t warnings;
  uint8_t *data;
  uint8_t *icc;
  uint32_t icc_length;
} result_t;

typedef struct {
  struct jpeg_error_mgr pub;
  uint32_t warnings;
} error_t;

static void on_error(j_common_ptr cinfo) {
  char message[JMSG_LENGTH_MAX];
  (*cinfo->err->format_message)(cinfo, message);
  host_fail(message);
}

static void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) ((error_t *)cinfo->err)->warnings++;
}

static void on_progress(j_common_ptr cinfo) {
  if (((j_decompress_ptr)cinfo)->input_scan_number > MAX_SCANS) host_fail("more than 500 scans");
}

__attribute__((export_name("jd_alloc"))) uint8_t *jd_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("jd_free"))) void jd_free(void *pointer) { free(pointer); }

__attribute__((export_name("jd_release"))) void jd_release(result_t *result) {
  if (!result) return;
  free(result->data);
  free(result->icc);
  free(result);
}

/** A decode in progress: the whole image (jd_decode) or a few rows at a time (jd_open, jd_read). */
typedef struct {
  struct jpeg_decompress_struct cinfo;
  error_t errors;
  struct jpeg_progress_mgr progress;
  int cmyk;
  uint8_t *icc;
  unsigned int icc_length;
} stream_t;

static stream_t *open_stream(const uint8_t *input, size_t size, int shrink) {
  stream_t *stream = calloc(1, sizeof(stream_t));
  if (!stream) host_fail("out of memory");
  struct jpeg_decompress_struct *cinfo = &stream->cinfo;
  stream->progress.progress_monitor = on_progress;
  cinfo->err = jpeg_std_error(&stream->errors.pub);
  stream->errors.pub.error_exit = on_error;
  stream->errors.pub.emit_message = on_message;
  jpeg_create_decompress(cinfo);
  cinfo->progress = &stream->progress;
  jpeg_mem_src(cinfo, input, size);
  jpeg_save_markers(cinfo, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header(cinfo, TRUE);
  if (!jpeg_read_icc_profile(cinfo, &stream->icc, &stream->icc_length)) stream->icc_length = 0;
  stream->cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = stream->cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  cinfo->scale_num = 1;
  cinfo->scale_denom = shrink;
  // The output size without starting: a progressive JPEG's start decodes every scan.
  jpeg_calc_output_dimensions(cinfo);
  return stream;
}

/** Up to `rows` more rows into `data` (4 bytes a pixel); how many. */
static uint32_t read_rows(stream_t *stream, uint8_t *data, uint32_t rows) {
  struct jpeg_decompress_struct *cinfo = &stream->cinfo;
  size_t stride = (size_t)cinfo->output_width * 4;
  uint32_t read = 0;
  while (read < rows && cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = data + stride * read;
    read += jpeg_read_scanlines(cinfo, &row, 1);
  }
  // Photoshop writes CMYK inverted (0 = full ink) and says so with its Adobe marker, as libvips reads it.
  if (stream->cmyk && cinfo->saw_Adobe_marker)
    for (size_t i = 0; i < stride * read; i++) data[i] = 255 - data[i];
  if (cinfo->output_scanline == cinfo->output_height && read) jpeg_finish_decompress(cinfo);
  return read;
}

static void close_stream(stream_t *stream) {
  jpeg_destroy_decompress(&stream->cinfo);
  free(stream->icc);
  free(stream);
}

__attribute__((export_name("jd_decode"))) result_t *jd_decode(const uint8_t *input, size_t size, int shrink) {
  result_t *result = calloc(1, sizeof(result_t));
  if (!result) host_fail("out of memory");
  stream_t *stream = open_stream(input, size, shrink);
  struct jpeg_decompress_struct *cinfo = &stream->cinfo;
  jpeg_start_decompress(cinfo);
  uint8_t *data = malloc((size_t)cinfo->output_width * 4 * cinfo->output_height);
  if (!data) host_fail("out of memory");
  read_rows(stream, data, cinfo->output_height);
  result->width = cinfo->output_width;
  result->height = cinfo->output_height;
  result->cmyk = (uint32_t)stream->cmyk;
  result->warnings = stream->errors.warnings;
  result->data = data;
  result->icc = stream->icc, result->icc_length = stream->icc_length;
  stream->icc = 0;
  close_stream(stream);
  return result;
}

/*
 * The same decode a band of rows at a time, for the resampler to take as they come (the decoded image
 * never sits whole in memory): jd_open reads the header, after which its fields (below) say the
 * output size, the colour space and the profile; jd_start starts decoding (for a progressive JPEG,
 * every scan); each jd_read then decodes up to `band_rows` rows into `band` and returns how many;
 * jd_close frees it all, at any point.
 */
typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t cmyk;
  uint32_t warnings;
  uint8_t *band;
  uint8_t *icc;
  uint32_t icc_length;
  uint32_t band_rows;
  stream_t *stream;
} rows_t;

__attribute__((export_name("jd_open"))) rows_t *jd_open(const uint8_t *input, size_t size, int shrink,
                                                        uint32_t band_rows) {
  rows_t *rows = calloc(1, sizeof(rows_t));
  if (!rows) host_fail("out of memory");
  rows->stream = open_stream(input, size, shrink);
  struct jpeg_decompress_struct *cinfo = &rows->stream->cinfo;
  rows->width = cinfo->output_width;
  rows->height = cinfo->output_height;
  rows->cmyk = (uint32_t)rows->stream->cmyk;
  rows->icc = rows->stream->icc, rows->icc_length = rows->stream->icc_length;
  rows->band_rows = band_rows;
  return rows;
}

__attribute__((export_name("jd_start"))) void jd_start(rows_t *rows) {
  struct jpeg_decompress_struct *cinfo = &rows->stream->cinfo;
  jpeg_start_decompress(cinfo);
  rows->band = malloc((size_t)cinfo->output_width * 4 * rows->band_rows);
  if (!rows->band) host_fail("out of memory");
}

__attribute__((export_name("jd_read"))) uint32_t jd_read(rows_t *rows) {
  uint32_t read = read_rows(rows->stream, rows->band, rows->band_rows);
  rows->warnings = rows->stream->errors.warnings;
  return read;
}

__attribute__((export_name("jd_close"))) void jd_close(rows_t *rows) {
  if (!rows) return;
  close_stream(rows->stream);
  free(rows->band);
  free(rows);
}
