/*
 * GIF decoding with Debian's giflib (wasm/debian/sources.json), our own glue: the first frame of a
 * GIF, composed onto its logical screen as RGBA8 (transparent where the frame does not cover it or
 * where its transparent index is). Interlaced frames come out in display order. The host refuses
 * animated GIFs before calling; a file that ends early or is damaged fails.
 *
 * Nothing is stored that the output does not need (giflib's DGifSlurp would keep every extension
 * and every frame's raster): the first frame is decoded a row at a time straight onto the screen,
 * and extensions and later frames are read through and dropped. So memory is the screen plus one
 * frame row, whatever the file holds; time is bounded by its bytes and the frame's pixels, which
 * the host's probe (src/core/probe.ts) counts against the limits before calling.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gif_lib.h"

__attribute__((import_module("env"), import_name("fail"), noreturn)) void host_fail(const char *message);
/* An allocation failed: the module's memory is at its maximum (the wall, wasm/build.mjs). The host
 * throws a typed error (codec-failure) and discards this instance. */
__attribute__((import_module("env"), import_name("out_of_memory"), noreturn)) void host_out_of_memory(void);

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

/* A failure throws through the host, which discards this instance and its memory with it: nothing
 * is freed on the way out. */
static _Noreturn void fail(GifFileType *gif, const char *fallback) {
  const char *message = GifErrorString(gif->Error);
  int error = 0;
  DGifCloseFile(gif, &error);
  host_fail(message ? message : fallback);
}

/*
 * The rest of an extension or a later frame's data, skipped straight over the input: giflib reads
 * through `read_bytes` without buffering, so the reader's position is the file's. A block at a time
 * through giflib took 0.8 s for 8 million one-byte comment blocks; this loop takes milliseconds.
 */
static void skip_blocks(GifFileType *gif) {
  reader_t *reader = gif->UserData;
  while (reader->at < reader->size && reader->bytes[reader->at] != 0)
    reader->at += (size_t)reader->bytes[reader->at] + 1;
  if (reader->at >= reader->size) {
    gif->Error = D_GIF_ERR_READ_FAILED;
    fail(gif, "GIF data ends early");
  }
  reader->at++; // the block terminator
}

/** One frame row (`y` in the frame) composed onto the screen, clipped to it. */
static void compose_row(uint8_t *data, uint32_t width, uint32_t height, const GifImageDesc *frame,
                        const ColorMapObject *map, int transparent, const GifPixelType *row, int y) {
  if (frame->Top + y < 0 || (uint32_t)(frame->Top + y) >= height) return;
  for (int x = 0; x < frame->Width; x++) {
    if (frame->Left + x < 0 || (uint32_t)(frame->Left + x) >= width) continue;
    int index = row[x];
    if (index == transparent || index >= map->ColorCount) continue;
    uint8_t *p = data + ((size_t)(frame->Top + y) * width + (size_t)(frame->Left + x)) * 4;
    p[0] = map->Colors[index].Red;
    p[1] = map->Colors[index].Green;
    p[2] = map->Colors[index].Blue;
    p[3] = 255;
  }
}

/** The frame just opened by DGifGetImageHeader, decoded row by row onto a transparent screen. */
static uint8_t *decode_frame(GifFileType *gif, int transparent) {
  const GifImageDesc *frame = &gif->Image;
  if (frame->Width <= 0 || frame->Height <= 0) fail(gif, "GIF frame without pixels");
  const ColorMapObject *map = frame->ColorMap ? frame->ColorMap : gif->SColorMap;
  if (!map) fail(gif, "GIF without a colour table");
  uint32_t width = (uint32_t)gif->SWidth, height = (uint32_t)gif->SHeight;
  uint8_t *data = calloc((size_t)width * height, 4); // transparent black where the frame is not
  GifPixelType *row = malloc((size_t)frame->Width);
  if (!data || !row) host_out_of_memory();
  // Interlaced rows arrive in four passes: these offsets and steps put each in display order.
  static const int offsets[] = {0, 4, 2, 1}, steps[] = {8, 8, 4, 2};
  int passes = frame->Interlace ? 4 : 1;
  for (int pass = 0; pass < passes; pass++) {
    int first = frame->Interlace ? offsets[pass] : 0, step = frame->Interlace ? steps[pass] : 1;
    for (int y = first; y < frame->Height; y += step) {
      if (DGifGetLine(gif, row, frame->Width) == GIF_ERROR) fail(gif, "damaged GIF frame");
      compose_row(data, width, height, frame, map, transparent, row, y);
    }
  }
  free(row);
  return data;
}

__attribute__((export_name("gd_decode"))) result_t *gd_decode(const uint8_t *input, size_t size) {
  reader_t reader = {input, size, 0};
  int error = 0;
  GifFileType *gif = DGifOpen(&reader, read_bytes, &error);
  if (!gif) host_fail(GifErrorString(error));
  // The first graphic control extension before the first frame, as giflib's DGifSavedExtensionToGCB.
  GraphicsControlBlock control = {.TransparentColor = NO_TRANSPARENT_COLOR};
  int have_control = 0;
  uint32_t frames = 0;
  uint8_t *data = NULL;
  GifRecordType record = UNDEFINED_RECORD_TYPE;
  // Read to the trailer, as DGifSlurp did: a file damaged after its frame still fails.
  while (record != TERMINATE_RECORD_TYPE) {
    if (DGifGetRecordType(gif, &record) == GIF_ERROR) fail(gif, "damaged GIF");
    if (record == IMAGE_DESC_RECORD_TYPE) {
      if (DGifGetImageHeader(gif) == GIF_ERROR) fail(gif, "damaged GIF frame header");
      if (frames++ == 0)
        data = decode_frame(gif, control.TransparentColor);
      else
        skip_blocks(gif); // DGifGetImageHeader read the LZW code size: the data blocks follow
    } else if (record == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType *block = NULL;
      if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) fail(gif, "damaged GIF extension");
      if (code == GRAPHICS_EXT_FUNC_CODE && block && !have_control && frames == 0) {
        have_control = 1;
        DGifExtensionToGCB(block[0], block + 1, &control);
      }
      if (block) skip_blocks(gif); // a first block of length 0 was the terminator
    }
  }
  if (!data) fail(gif, "no image in the GIF");
  result_t *result = calloc(1, sizeof(result_t));
  if (!result) host_out_of_memory();
  result->width = (uint32_t)gif->SWidth;
  result->height = (uint32_t)gif->SHeight;
  result->frames = frames;
  result->data = data;
  DGifCloseFile(gif, &error);
  return result;
}
