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

__attribute__((export_name("jd_decode"))) result_t *jd_decode(const uint8_t *input, size_t size, int shrink) {
  struct jpeg_decompress_struct cinfo;
  error_t errors;
  struct jpeg_progress_mgr progress = {.progress_monitor = on_progress};
  result_t *result = calloc(1, sizeof(result_t));
  if (!result) host_fail("out of memory");

  cinfo.err = jpeg_std_error(&errors.pub);
  errors.pub.error_exit = on_error;
  errors.pub.emit_message = on_message;
  errors.warnings = 0;
  jpeg_create_decompress(&cinfo);
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, input, size);
  jpeg_save_markers(&cinfo, JPEG_APP0 + 2, 0xffff);
  jpeg_read_header(&cinfo, TRUE);

  unsigned int icc_length = 0;
  if (jpeg_read_icc_profile(&cinfo, &result->icc, &icc_length)) result->icc_length = icc_length;

  int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_RGBA;
  cinfo.scale_num = 1;
  cinfo.scale_denom = shrink;
  jpeg_start_decompress(&cinfo);

  size_t stride = (size_t)cinfo.output_width * 4;
  uint8_t *data = malloc(stride * cinfo.output_height);
  if (!data) host_fail("out of memory");
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = data + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  // Photoshop writes CMYK inverted (0 = full ink) and says so with its Adobe marker, as libvips reads it.
  if (cmyk && cinfo.saw_Adobe_marker) {
    size_t total = stride * cinfo.output_height;
    for (size_t i = 0; i < total; i++) data[i] = 255 - data[i];
  }
  jpeg_finish_decompress(&cinfo);

  result->width = cinfo.output_width;
  result->height = cinfo.output_height;
  result->cmyk = cmyk;
  result->warnings = errors.warnings;
  result->data = data;
  jpeg_destroy_decompress(&cinfo);
  return result;
}
