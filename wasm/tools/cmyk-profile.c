/*
 * Writes the CMYK profile edge-resizer assumes for CMYK JPEGs without one of their own. sharp converts
 * those through libvips's built-in CMYK profile (Graeme Gill's "Chemical proof", public domain); this
 * tool is given sharp's own sRGB output for a grid of CMYK values and makes a small CMYK-to-Lab table
 * profile of it, so that converting with it (relative colorimetric, to the same sRGB profile) gives
 * sharp's colours, up to interpolation between grid points. Built natively from the same LittleCMS
 * sources and run by wasm/build.mjs:
 *   cmyk-profile <grid> <points per axis> <sRGB profile> <output>
 * where <grid> holds points^4 RGB triplets, C varying slowest and K fastest. The output is
 * deterministic: fixed header date, no profile ID.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcms2.h"
#include "profile-io.h"

static unsigned char *grid;
static int points;
static cmsHTRANSFORM to_lab;

static unsigned char *read_file(const char *name, long *size) {
  FILE *file = fopen(name, "rb");
  if (!file) return NULL;
  fseek(file, 0, SEEK_END);
  *size = ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char *bytes = malloc(*size);
  if (!bytes || fread(bytes, 1, *size, file) != (size_t)*size) return NULL;
  fclose(file);
  return bytes;
}

static int sample(const cmsUInt16Number in[], cmsUInt16Number out[], void *cargo) {
  (void)cargo;
  long index = 0;
  for (int axis = 0; axis < 4; axis++)
    index = index * points + lround(in[axis] * (points - 1) / 65535.0);
  cmsCIELab lab;
  cmsDoTransform(to_lab, grid + index * 3, &lab, 1);
  cmsFloat2LabEncoded(out, &lab);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: cmyk-profile <grid> <points per axis> <sRGB profile> <output>\n");
    return 2;
  }
  long grid_size = 0, srgb_size = 0;
  points = atoi(argv[2]);
  grid = read_file(argv[1], &grid_size);
  unsigned char *srgb_bytes = read_file(argv[3], &srgb_size);
  if (!grid || !srgb_bytes || grid_size != (long)points * points * points * points * 3) return 1;
  cmsHPROFILE srgb = cmsOpenProfileFromMem(srgb_bytes, srgb_size);
  cmsHPROFILE lab = cmsCreateLab4Profile(NULL);
  to_lab = cmsCreateTransform(srgb, TYPE_RGB_8, lab, TYPE_Lab_DBL, INTENT_RELATIVE_COLORIMETRIC, 0);
  if (!to_lab) return 1;

  cmsHPROFILE out = cmsCreateProfilePlaceholder(NULL);
  cmsSetProfileVersion(out, 4.3);
  cmsSetDeviceClass(out, cmsSigOutputClass);
  cmsSetColorSpace(out, cmsSigCmykData);
  cmsSetPCS(out, cmsSigLabData);
  cmsSetHeaderRenderingIntent(out, INTENT_RELATIVE_COLORIMETRIC);

  // lutAtoBType: A curves, CLUT, B curves (identities here).
  cmsPipeline *a2b = cmsPipelineAlloc(NULL, 4, 3);
  cmsStage *clut = cmsStageAllocCLut16bit(NULL, (cmsUInt32Number)points, 4, 3, NULL);
  if (!cmsStageSampleCLut16bit(clut, sample, NULL, 0)) return 1;
  cmsPipelineInsertStage(a2b, cmsAT_END, cmsStageAllocToneCurves(NULL, 4, NULL));
  cmsPipelineInsertStage(a2b, cmsAT_END, clut);
  cmsPipelineInsertStage(a2b, cmsAT_END, cmsStageAllocToneCurves(NULL, 3, NULL));
  if (!cmsWriteTag(out, cmsSigAToB1Tag, a2b)) return 1;
  if (!cmsWriteTag(out, cmsSigMediaWhitePointTag, cmsD50_XYZ())) return 1;

  describe_profile(out, "CMYK as sharp converts it (Chemical proof), sampled for edge-resizer",
                   "Public domain: Graeme W. Gill (Chemical proof), via libvips");
  return save_profile(out, argv[4]);
}
