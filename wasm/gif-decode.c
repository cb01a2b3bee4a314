/*
 * GIF decoding with Debian's giflib (wasm/debian/sources.json), our own glue: the first frame of a
 * GIF, composed onto its logical screen as RGBA8 (transparent where the frame does not cover it or
 * where its transparent index is). Interlaced frames come out in display order. The host refuses
 * animated GIFs before calling; a file that ends early or is damaged fails.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gif_lib.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);

typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t frames;
  uint8_t *data;
} result_t;

typedef struct {
  const uint8_t *bytes;
  size_t size;
  size_t at;
} reader_t;

static int read_bytes(GifFileType *gif, GifByteType *out, int length) {
  reader_t *reader = gif->UserData;
  size_t available = reader->size - reader->at;
  size_t n = (size_t)length < available ? (size_t)length : available;
  memcpy(out, reader->bytes + reader->at, n);
  reader->at += n;
  return (int)n;
}

__attribute__((export_name("gd_alloc"))) uint8_t *gd_alloc(size_t size) { return malloc(size); }
__attribute__((export_name("gd_free"))) void gd_free(void *pointer) { free(pointer); }

__attribute__((export_name("gd_release"))) void gd_release(result_t *result) {
  if (!result) return;
  free(result->data);
  free(result);
}

__attribute__((export_name("gd_decode"))) result_t *gd_decode(const uint8_t *input, size_t size) {
  reader_t reader = {input, size, 0};
  int error = 0;
  GifFileType *gif = DGifOpen(&reader, read_bytes, &error);
  if (!gif) host_fail(GifErrorString(error));
  if (DGifSlurp(gif) != GIF_OK || gif->ImageCount < 1) {
    const char *message = GifErrorString(gif->Error);
    DGifCloseFile(gif, &error);
    host_fail(message ? message : "no image in the GIF");
  }
  uint32_t width = (uint32_t)gif->SWidth, height = (uint32_t)gif->SHeight;
  SavedImage *frame = &gif->SavedImages[0];
  ColorMapObject *map = frame->ImageDesc.ColorMap ? frame->ImageDesc.ColorMap : gif->SColorMap;
  if (!map) {
    DGifCloseFile(gif, &error);
    host_fail("GIF without a colour table");
  }
  GraphicsControlBlock control = {.TransparentColor = NO_TRANSPARENT_COLOR};
  DGifSavedExtensionToGCB(gif, 0, &control);

  result_t *result = calloc(1, sizeof(result_t));
  uint8_t *data = calloc((size_t)width * height, 4); // transparent black where the frame is not
  if (!result || !data) host_fail("out of memory");
  int left = frame->ImageDesc.Left, top = frame->ImageDesc.Top;
  int frame_width = frame->ImageDesc.Width, frame_height = frame->ImageDesc.Height;
  for (int y = 0; y < frame_height; y++) {
    if (top + y < 0 || (uint32_t)(top + y) >= height) continue;
    for (int x = 0; x < frame_width; x++) {
      if (left + x < 0 || (uint32_t)(left + x) >= width) continue;
      int index = frame->RasterBits[(size_t)y * frame_width + x];
      if (index == control.TransparentColor || index >= map->ColorCount) continue;
      uint8_t *p = data + ((size_t)(top + y) * width + (size_t)(left + x)) * 4;
      p[0] = map->Colors[index].Red;
      p[1] = map->Colors[index].Green;
      p[2] = map->Colors[index].Blue;
      p[3] = 255;
    }
  }
  result->width = width;
  result->height = height;
  result->frames = (uint32_t)gif->ImageCount;
  result->data = data;
  DGifCloseFile(gif, &error);
  return result;
}
