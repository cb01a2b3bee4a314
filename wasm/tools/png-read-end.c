/*
 * CVE-2026-46675's call sequence, for a native build of libpng (test/wasm.test.ts): png_read_info,
 * then png_read_end without reading a row. Prints libpng's warnings and error; exits 0 when
 * png_read_end returns, 1 on a libpng error. Our glue (wasm/png.c) always reads the rows first.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>

static void on_error(png_structp png, png_const_charp message) {
  printf("error: %s\n", message);
  longjmp(png_jmpbuf(png), 1);
}

static void on_warning(png_structp png, png_const_charp message) {
  (void)png;
  printf("warning: %s\n", message);
}

int main(int argc, char **argv) {
  FILE *file = argc == 2 ? fopen(argv[1], "rb") : NULL;
  if (!file) return 2;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, on_error, on_warning);
  png_infop info = png_create_info_struct(png);
  int status = 1;
  if (!setjmp(png_jmpbuf(png))) {
    png_init_io(png, file);
    png_read_info(png, info);
    png_read_end(png, NULL);
    status = 0;
  }
  png_destroy_read_struct(&png, &info, NULL);
  fclose(file);
  return status;
}
