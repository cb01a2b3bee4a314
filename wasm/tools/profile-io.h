/*
 * Shared by our LittleCMS tools (wasm/tools/cmyk-profile.c, test/fixtures/icc/make-lut-profile.c):
 * a description and copyright, and saving a profile with a fixed creation date (2000-01-01, header
 * bytes 24-35) and no profile ID, so what they write is reproducible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcms2.h"

static void describe_profile(cmsHPROFILE profile, const char *description, const char *copyright) {
  cmsMLU *text = cmsMLUalloc(NULL, 1);
  cmsMLUsetASCII(text, "en", "US", description);
  cmsWriteTag(profile, cmsSigProfileDescriptionTag, text);
  cmsMLUsetASCII(text, "en", "US", copyright);
  cmsWriteTag(profile, cmsSigCopyrightTag, text);
  cmsMLUfree(text);
}

/** 0 when written. */
static int save_profile(cmsHPROFILE profile, const char *path) {
  cmsUInt32Number size = 0;
  if (!cmsSaveProfileToMem(profile, NULL, &size)) return 1;
  unsigned char *bytes = malloc(size);
  if (!bytes || !cmsSaveProfileToMem(profile, bytes, &size)) return 1;
  memset(bytes + 24, 0, 12);
  bytes[24] = 2000 >> 8, bytes[25] = 2000 & 0xff, bytes[27] = 1, bytes[29] = 1;
  FILE *file = fopen(path, "wb");
  if (!file || fwrite(bytes, 1, size, file) != size) return 1;
  fclose(file);
  free(bytes);
  return 0;
}
