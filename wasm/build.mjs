#!/usr/bin/env node
// Builds our WebAssembly with Debian's clang-14 and wasm-ld-14:
//  - kernels: our own C, no libc (resize, JPEG encode);
//  - codecs: Debian's patched sources (wasm/debian/sources.json) against wasi-libc, with our own glue.
//   node wasm/build.mjs           rebuild wasm/build/*.wasm (commit the result)
//   node wasm/build.mjs --check   rebuild into a temporary folder and fail if it differs from the
//                                 committed build (CI runs this through the test suite)
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SOURCES, sourceTree } from './debian.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const KERNELS = ['resize', 'jpeg-encode'];
const KERNEL_FLAGS = [
  '--target=wasm32',
  '-O3',
  '-msimd128',
  '-mbulk-memory', // memset and memcpy become memory.fill and memory.copy: no libc needed
  '-nostdlib',
  '-ffreestanding',
  '-Wall',
  '-Wextra',
  '-Werror',
];
const KERNEL_LINK = ['-Wl,--no-entry', '-Wl,--strip-all'];

const CODEC_FLAGS = [
  '--target=wasm32-wasi',
  '-O3',
  '-msimd128',
  '-mbulk-memory',
  '-mnontrapping-fptoint',
  '-ftls-model=local-exec', // errno is thread-local in wasi-libc; one thread here
  '-DNDEBUG',
];
const CODEC_LINK = [
  '-mexec-model=reactor',
  '-Wl,--strip-all',
  '-Wl,--gc-sections',
  '-Wl,-z,stack-size=262144',
];

/**
 * Each codec: the Debian package it is built from, the library's C files (relative to its tree),
 * extra include folders (ours, relative to wasm/), and our glue.
 */
export const CODECS = {
  'jpeg-decode': {
    packages: ['libjpeg-turbo'],
    files: {
      'libjpeg-turbo': [
        'jaricom',
        'jcomapi',
        'jdapimin',
        'jdapistd',
        'jdarith',
        'jdatasrc',
        'jdcoefct',
        'jdcolor',
        'jddctmgr',
        'jdhuff',
        'jdicc',
        'jdinput',
        'jdmainct',
        'jdmarker',
        'jdmaster',
        'jdmerge',
        'jdphuff',
        'jdpostct',
        'jdsample',
        'jerror',
        'jidctflt',
        'jidctfst',
        'jidctint',
        'jidctred',
        'jmemmgr',
        'jmemnobs',
        'jquant1',
        'jquant2',
        'jutils',
      ],
    },
    // Our SIMD128 reduced-size IDCTs through libjpeg-turbo's jsimd interface (it includes
    // jsimd_none.c for every other entry).
    sources: ['jidct-simd.c'],
    include: ['libjpeg'],
    // What libjpeg-turbo's CMake writes for this configuration: 8-bit samples, arithmetic decoding,
    // memory source, no SIMD assembly (there is none for wasm32; clang vectorises with -msimd128, and
    // the reduced-size IDCTs are ours, below).
    configure: {
      'libjpeg-turbo': {
        templates: {
          'jconfig.h': 'jconfig.h.in',
          'jconfigint.h': 'jconfigint.h.in',
          'jversion.h': 'jversion.h.in',
        },
        values: {
          JPEG_LIB_VERSION: '62',
          VERSION: '2.1.5',
          LIBJPEG_TURBO_VERSION_NUMBER: '2001005',
          BITS_IN_JSAMPLE: '8',
          D_ARITH_CODING_SUPPORTED: '1',
          MEM_SRCDST_SUPPORTED: '1',
          BUILD: 'debian',
          INLINE: '__inline__ __attribute__((always_inline))',
          THREAD_LOCAL: '',
          CMAKE_PROJECT_NAME: 'libjpeg-turbo',
          SIZE_T: '4',
          HAVE_BUILTIN_CTZL: '1',
          COPYRIGHT_YEAR: '1991-2023',
        },
      },
    },
    // Our one change to Debian's source: wasm32 has 32-bit size_t but native 64-bit integers, so the
    // Huffman decoder gets the 64-bit bit buffer libjpeg-turbo already uses for x32 (fewer refills:
    // 8% off a 5K baseline decode at 1/4, bench/README.md).
    edits: {
      'libjpeg-turbo': [
        {
          file: 'jdhuff.h',
          from: '#elif defined(__x86_64__) && defined(__ILP32__)\n',
          to: '#elif (defined(__x86_64__) && defined(__ILP32__)) || defined(__wasm__)\n',
        },
        {
          file: 'jdhuff.c',
          from: '#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__))\n',
          to: '#if SIZEOF_SIZE_T == 8 || defined(_WIN64) || (defined(__x86_64__) && defined(__ILP32__)) || defined(__wasm__)\n',
        },
        // Whole AC coefficients and DC differences in one lookup (wasm/libjpeg/huff-fast.h): a
        // second lookahead table per Huffman table, built with the first, and tried before
        // libjpeg-turbo's own two-step decoding in decode_mcu_fast (baseline scans with the data in
        // memory, our case). Exact: the table holds only what the two steps would decode from the
        // same bits.
        {
          file: 'jdhuff.h',
          from: '#define HUFF_LOOKAHEAD  8       /* # of bits of lookahead */\n',
          to: '#define HUFF_LOOKAHEAD  8       /* # of bits of lookahead */\n#define FAST_AC_BITS  10\n',
        },
        {
          file: 'jdhuff.h',
          from: '  int lookup[1 << HUFF_LOOKAHEAD];\n} d_derived_tbl;\n',
          to: '  int lookup[1 << HUFF_LOOKAHEAD];\n  int fast_ac[1 << FAST_AC_BITS];\n} d_derived_tbl;\n',
        },
        {
          file: 'jdhuff.c',
          from: '#include "jstdhuff.c"\n',
          to: '#include "jstdhuff.c"\n#include "huff-fast.h"\n',
        },
        {
          file: 'jdhuff.c',
          from: '  /* Validate symbols as being reasonable.\n',
          to: '  if (!isDC)\n    make_fast_ac(dtbl->fast_ac, huffsize, huffcode, htbl->huffval, numsymbols);\n  else\n    make_fast_dc(dtbl->fast_ac, huffsize, huffcode, htbl->huffval, numsymbols);\n\n  /* Validate symbols as being reasonable.\n',
        },
        {
          file: 'jdhuff.c',
          from: '    HUFF_DECODE_FAST(s, l, dctbl);\n    if (s) {\n      FILL_BIT_BUFFER_FAST\n      r = GET_BITS(s);\n      s = HUFF_EXTEND(r, s);\n    }\n',
          to: '    FILL_BIT_BUFFER_FAST\n    s = dctbl->fast_ac[PEEK_BITS(FAST_AC_BITS)];\n    if (s & 0xFF) {\n      DROP_BITS(s & 0xFF);\n      s >>= 16;\n    } else {\n    HUFF_DECODE_FAST(s, l, dctbl);\n    if (s) {\n      FILL_BIT_BUFFER_FAST\n      r = GET_BITS(s);\n      s = HUFF_EXTEND(r, s);\n    }\n    }\n',
        },
        {
          file: 'jdhuff.c',
          from: '      for (k = 1; k < DCTSIZE2; k++) {\n        HUFF_DECODE_FAST(s, l, actbl);\n        r = s >> 4;\n        s &= 15;\n\n        if (s) {\n          k += r;\n          FILL_BIT_BUFFER_FAST\n          r = GET_BITS(s);\n',
          to: '      for (k = 1; k < DCTSIZE2; k++) {\n        FAST_AC_STEP((*block)[jpeg_natural_order[k]] = (JCOEF)(e >> 16))\n        HUFF_DECODE_FAST(s, l, actbl);\n        r = s >> 4;\n        s &= 15;\n\n        if (s) {\n          k += r;\n          FILL_BIT_BUFFER_FAST\n          r = GET_BITS(s);\n',
        },
        {
          file: 'jdhuff.c',
          from: '      for (k = 1; k < DCTSIZE2; k++) {\n        HUFF_DECODE_FAST(s, l, actbl);\n        r = s >> 4;\n        s &= 15;\n\n        if (s) {\n          k += r;\n          FILL_BIT_BUFFER_FAST\n          DROP_BITS(s);\n',
          to: '      for (k = 1; k < DCTSIZE2; k++) {\n        FAST_AC_STEP((void)0)\n        HUFF_DECODE_FAST(s, l, actbl);\n        r = s >> 4;\n        s &= 15;\n\n        if (s) {\n          k += r;\n          FILL_BIT_BUFFER_FAST\n          DROP_BITS(s);\n',
        },
        // The slow path (restart markers, the last bytes of the data) stays out of line, so that V8
        // compiles the hot decode_mcu in half the time (bench/README.md, first call).
        {
          file: 'jdhuff.c',
          from: 'LOCAL(boolean)\ndecode_mcu_slow(',
          to: 'LOCAL(boolean) __attribute__((noinline))\ndecode_mcu_slow(',
        },
      ],
    },
    // Progressive refinement scans through zigzag masks of the block's nonzero coefficients
    // (wasm/libjpeg/refine.h): whole runs of correction bits per read instead of a position at a
    // time. Exact.
    patches: { 'libjpeg-turbo': ['libjpeg/jdphuff-refine.patch'] },
    glue: 'jpeg-decode.c',
  },
  colour: {
    packages: ['lcms2'],
    files: {
      lcms2: [
        'cmsalpha',
        'cmscam02',
        'cmscgats',
        'cmscnvrt',
        'cmserr',
        'cmsgamma',
        'cmsgmt',
        'cmshalf',
        'cmsintrp',
        'cmsio0',
        'cmsio1',
        'cmslut',
        'cmsmd5',
        'cmsmtrx',
        'cmsnamed',
        'cmsopt',
        'cmspack',
        'cmspcs',
        'cmsplugin',
        'cmsps2',
        'cmssamp',
        'cmssm',
        'cmstypes',
        'cmsvirt',
        'cmswtpnt',
        'cmsxform',
      ].map((file) => `src/${file}`),
    },
    include: [],
    subdirs: { lcms2: ['include'] },
    defines: ['-DCMS_NO_PTHREADS', '-DCMS_NO_REGISTER_KEYWORD'],
    // One addition to LittleCMS: a way for our glue to see the tables of a transform that its
    // optimiser turned into a matrix between two shapers in fixed point (MatShaperEval16, what an RGB
    // matrix/TRC profile to sRGB becomes), so that wasm/colour.c evaluates them with SIMD128, to the
    // same bits, without LittleCMS's per-pixel formatters and indirect calls.
    edits: {
      lcms2: [
        {
          file: 'src/cmsopt.c',
          from: '// This table converts from 8 bits to 1.14 after applying the curve\n',
          to: `// edge-resizer (wasm/colour.c): the tables of \`transform\` when its pipeline is MatShaperEval16:
// the input shapers (8 bits to 1.14), the matrix rows with their offsets, the output shapers
// (1.14 to 16 bits). 0 when it is anything else.
int edge_matshaper(cmsHTRANSFORM transform, const cmsS1Fixed14Number *shaper1[3],
                   cmsS1Fixed14Number matrix[3][4], const cmsUInt16Number *shaper2[3])
{
    const _cmsTRANSFORM *t = (const _cmsTRANSFORM *) transform;
    const MatShaper8Data *p;
    int i, j;
    if (t->Lut == NULL || t->Lut->Eval16Fn != MatShaperEval16) return 0;
    p = (const MatShaper8Data *) t->Lut->Data;
    shaper1[0] = p->Shaper1R, shaper1[1] = p->Shaper1G, shaper1[2] = p->Shaper1B;
    shaper2[0] = p->Shaper2R, shaper2[1] = p->Shaper2G, shaper2[2] = p->Shaper2B;
    for (i = 0; i < 3; i++) {
        for (j = 0; j < 3; j++) matrix[i][j] = p->Mat[i][j];
        matrix[i][3] = p->Off[i];
    }
    return 1;
}

// This table converts from 8 bits to 1.14 after applying the curve
`,
        },
      ],
    },
    // -Os: 40 KB smaller and measured as fast as -O3 (77 ms for 1 MP of CMYK; RGB profiles now go
    // through our evaluation in the glue); the later flag wins over CODEC_FLAGS' -O3.
    optimize: '-Os',
    // libvips's profiles, as sharp embeds them, as C headers: sRGB (the output of every conversion)
    // and CMYK (for CMYK JPEGs without a profile, resampled by wasm/tools/cmyk-profile.c).
    generate: (toolchain, dir, trees) => generateProfiles(toolchain, dir, trees.lcms2),
    glue: 'colour.c',
  },
  png: {
    packages: ['libpng1.6', 'zlib'],
    files: {
      'libpng1.6': [
        'png',
        'pngerror',
        'pngget',
        'pngmem',
        'pngread',
        'pngrio',
        'pngrtran',
        'pngrutil',
        'pngset',
        'pngtrans',
        'pngwio',
        'pngwrite',
        'pngwtran',
        'pngwutil',
      ],
      zlib: ['adler32', 'crc32', 'deflate', 'inffast', 'inflate', 'inftrees', 'trees', 'zutil'],
    },
    // Debian's current security update, 1.6.39-2+deb12u6 (CVE-2026-46675), has neither its .dsc nor
    // its debian.tar.xz on the mirror: our fix for the same bug goes on top of deb12u5, checked
    // against Debian's deb12u6 binary (wasm/README.md).
    patches: { 'libpng1.6': ['debian/patches/libpng1.6/0001-CVE-2026-46675-release-zlib-input.patch'] },
    // libpng's prebuilt configuration (the full library, no stdio), as its CMake build copies it.
    configure: {
      'libpng1.6': {
        templates: { 'pnglibconf.h': 'scripts/pnglibconf.h.prebuilt' },
        values: {},
        // No setjmp in WebAssembly (errors throw through the host instead), no files.
        drop: [
          'PNG_SETJMP_SUPPORTED',
          'PNG_SIMPLIFIED_READ_SUPPORTED',
          'PNG_SIMPLIFIED_WRITE_SUPPORTED',
          'PNG_SIMPLIFIED_READ_AFIRST_SUPPORTED',
          'PNG_SIMPLIFIED_READ_BGR_SUPPORTED',
          'PNG_SIMPLIFIED_WRITE_AFIRST_SUPPORTED',
          'PNG_SIMPLIFIED_WRITE_BGR_SUPPORTED',
          'PNG_SIMPLIFIED_WRITE_STDIO_SUPPORTED',
          'PNG_STDIO_SUPPORTED',
          'PNG_CONSOLE_IO_SUPPORTED',
        ],
      },
    },
    // Z_SOLO (no stdio, no zlib allocator defaults) also leaves zlib's 4- and 8-byte types undefined,
    // which drops crc32 to a byte at a time; naming them and 8-byte braids (wasm has native 64-bit
    // integers) took a 1600x1000 RGBA PNG decode from 44.7 to 37.5 ms (CRC was 17% of it).
    defines: [
      '-DPNG_NO_STDIO',
      '-DZ_SOLO',
      '-DPNG_ARM_NEON_OPT=0',
      '-DZ_U4=unsigned',
      '-DZ_U8=unsigned long long',
      '-DZ_TESTW=8',
    ],
    glue: 'png.c',
    // The wall on this module's memory (docs/reliability.md): what the default limits admit (32 MiB
    // in, 25 MP decoded, an 8192x8192 image encoded) fits with room; growing past it makes malloc
    // fail, which the glue reports, instead of taking the process's memory (4 GiB in issue 24).
    maxMemory: 1024 * 1024 * 1024,
  },
  'webp-decode': {
    packages: ['libwebp'],
    files: { libwebp: ['src/dec/*', 'src/dsp/*', 'src/utils/*'] },
    subdirs: { libwebp: ['src'] },
    defines: ['-DWEBP_GLUE_DECODE'],
    glue: 'webp.c',
  },
  'webp-encode': {
    packages: ['libwebp'],
    files: { libwebp: ['src/enc/*', 'src/dsp/*', 'src/utils/*', 'sharpyuv/*'] },
    subdirs: { libwebp: ['src'] },
    defines: ['-DWEBP_GLUE_ENCODE'],
    glue: 'webp.c',
  },
  'avif-decode': {
    packages: ['dav1d'],
    files: {
      dav1d: [
        'cdf',
        'cpu',
        'data',
        'decode',
        'dequant_tables',
        'getbits',
        'intra_edge',
        'itx_1d',
        'lf_mask',
        'lib',
        'log',
        'mem',
        'msac',
        'obu',
        'picture',
        'qm',
        'ref',
        'refmvs',
        'scan',
        'tables',
        'thread_task',
        'warpmv',
        'wedge',
      ].map((file) => `src/${file}`),
    },
    // dav1d's templates, compiled once per bit depth: 8 and 16 (10- and 12-bit pictures).
    variants: [8, 16].map((depth) => ({
      suffix: `${depth}bpc`,
      defines: [`-DBITDEPTH=${depth}`],
      files: {
        dav1d: [
          'cdef_apply_tmpl',
          'cdef_tmpl',
          'fg_apply_tmpl',
          'filmgrain_tmpl',
          'ipred_prepare_tmpl',
          'ipred_tmpl',
          'itx_tmpl',
          'lf_apply_tmpl',
          'loopfilter_tmpl',
          'looprestoration_tmpl',
          'lr_apply_tmpl',
          'mc_tmpl',
          'recon_tmpl',
        ].map((file) => `src/${file}`),
      },
    })),
    configure: {
      dav1d: {
        templates: { 'version.h': 'include/dav1d/version.h.in', 'vcs_version.h': 'include/vcs_version.h.in' },
        values: {
          DAV1D_API_VERSION_MAJOR: '6',
          DAV1D_API_VERSION_MINOR: '6',
          DAV1D_API_VERSION_PATCH: '0',
          VCS_TAG: '1.0.0',
        },
      },
    },
    // Our config.h (portable C, both bit depths) and a single-threaded pthread.h (wasi-libc has none).
    include: ['dav1d'],
    subdirs: { dav1d: ['include/dav1d', 'include'] },
    glue: 'avif-decode.c',
  },
  'avif-encode': {
    packages: ['aom'],
    files: {},
    // Debian's current security update, 3.6.0-1+deb12u3, has no .dsc on the mirror (its orig tarball
    // is deb12u2's); its three new patches, taken from its debian.tar.xz, go on top of deb12u2.
    patches: {
      aom: [
        '0004-CVE-2026-56209-56210-56211-svc-layer-id-bounds-check.patch',
        '0005-CVE-2026-56208-lap-stats-buffer-overflow.patch',
        '0006-svc-add-more-spatial-temporal-layer-validation.patch',
      ].map((file) => `debian/patches/aom/${file}`),
    },
    // libaom's own CMake build, for wasm32-wasi: the AV1 encoder only, portable C (no x86/Arm
    // assembly), 8-bit, one thread; the static library joins our glue at the link.
    cmake: {
      package: 'aom',
      target: 'aom',
      library: 'libaom.a',
      options: {
        AOM_TARGET_CPU: 'generic',
        CONFIG_AV1_DECODER: '0',
        CONFIG_AV1_HIGHBITDEPTH: '0',
        CONFIG_MULTITHREAD: '0',
        CONFIG_RUNTIME_CPU_DETECT: '0',
        CONFIG_WEBM_IO: '0',
        CONFIG_LIBYUV: '0',
        ENABLE_DOCS: '0',
        ENABLE_EXAMPLES: '0',
        ENABLE_TESTS: '0',
        ENABLE_TESTDATA: '0',
        ENABLE_TOOLS: '0',
        CMAKE_BUILD_TYPE: 'Release',
      },
    },
    // Our setjmp.h: libaom's internal errors end the call through the host (no unwinding in wasm).
    include: ['aom'],
    glue: 'avif-encode.c',
  },
  'gif-decode': {
    packages: ['giflib'],
    files: { giflib: ['dgif_lib', 'gif_err', 'gif_hash', 'gifalloc', 'openbsd-reallocarray'] },
    glue: 'gif-decode.c',
    // The wall (docs/reliability.md): 32 MiB in and a 25 MP screen (100 MB) fit with room.
    maxMemory: 512 * 1024 * 1024,
  },
};

export function findToolchain() {
  const clang = ['clang-14', 'clang'].find((name) => which(name));
  const linker = ['/usr/bin/wasm-ld-14', '/usr/bin/wasm-ld'].find((file) => existsSync(file));
  return clang && linker ? { clang, linker } : undefined;
}

/**
 * The codecs need wasi-libc and compiler-rt for wasm32 as well (Debian: wasi-libc,
 * libclang-rt-14-dev-wasm32), and libaom its CMake and ninja (cmake, ninja-build).
 */
export function hasWasiSysroot() {
  return (
    existsSync('/usr/lib/wasm32-wasi/libc.a') &&
    existsSync('/usr/include/wasm32-wasi/stdio.h') &&
    which('cmake') &&
    which('ninja')
  );
}

function which(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function toolchainOrThrow() {
  const toolchain = findToolchain();
  if (!toolchain) throw new Error('clang and wasm-ld are needed: apt-get install clang-14 lld-14');
  return toolchain;
}

function buildKernel(toolchain, name, outDir) {
  const out = path.join(outDir, `${name}.wasm`);
  return promisify(execFile)(toolchain.clang, [
    ...KERNEL_FLAGS,
    `-fuse-ld=${toolchain.linker}`,
    ...KERNEL_LINK,
    '-o',
    out,
    path.join(here, `${name}.c`),
  ]).then(() => out);
}

/**
 * Writes a library's configuration headers from its CMake templates into a fresh folder, as
 * `configure_file` would: `@NAME@` takes its value, `#cmakedefine NAME ...` is kept when NAME is set;
 * `#define NAME` lines listed in `drop` are turned off.
 */
export function configureHeaders(tree, { templates, values, drop = [] }) {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-config-'));
  for (const [header, template] of Object.entries(templates)) {
    const text = readFileSync(path.join(tree, template), 'utf8')
      .replace(/^#cmakedefine (\w+)(.*)$/gm, (_, key, rest) =>
        values[key] === undefined ? `/* #undef ${key} */` : `#define ${key}${rest}`,
      )
      .replace(/@(\w+)@/g, (_, key) => {
        if (values[key] === undefined) throw new Error(`${template}: no value for @${key}@`);
        return values[key];
      })
      .replace(/^#define (\w+)\s*$/gm, (line, key) => (drop.includes(key) ? `/* #undef ${key} */` : line));
    writeFileSync(path.join(dir, header), text);
  }
  return dir;
}

/** Grid points per CMYK axis of the default CMYK profile: 9 keeps it to 40 KB (see wasm/README.md). */
const CMYK_GRID = 9;

/** One of libvips's built-in profiles ('srgb', 'p3', 'cmyk'), as sharp embeds it in a JPEG. */
async function libvipsProfile(name) {
  const { default: sharp } = await import('sharp');
  let image = sharp({ create: { width: 1, height: 1, channels: 3, background: '#fff' } });
  if (name === 'cmyk') image = image.toColourspace('cmyk');
  const { icc } = await sharp(await image.withIccProfile(name).jpeg().toBuffer()).metadata();
  if (!icc) throw new Error(`sharp did not embed its ${name} profile`);
  return icc;
}

/** Bytes as a C array `name` with `name_length`. */
function cArray(name, bytes) {
  const rows = [];
  for (let i = 0; i < bytes.length; i += 24) rows.push(`  ${[...bytes.subarray(i, i + 24)].join(',')},`);
  return `static const unsigned char ${name}[] = {\n${rows.join('\n')}\n};\nstatic const unsigned int ${name}_length = ${bytes.length};\n`;
}

/** An uncompressed CMYK TIFF (one strip, no profile), the simplest CMYK input sharp reads exactly. */
export function cmykTiff(width, height, pixels) {
  const tags = [
    [256, 3, 1, width],
    [257, 3, 1, height],
    [258, 3, 4, 0], // BitsPerSample 8,8,8,8: stored after the directory
    [259, 3, 1, 1], // no compression
    [262, 3, 1, 5], // separated (CMYK)
    [273, 4, 1, 0], // StripOffsets: set below
    [277, 3, 1, 4],
    [278, 3, 1, height],
    [279, 4, 1, pixels.length],
    [284, 3, 1, 1],
  ];
  const directory = 8;
  const bits = directory + 2 + tags.length * 12 + 4;
  const data = bits + 8;
  tags[2][3] = bits;
  tags[5][3] = data;
  const out = new Uint8Array(data + pixels.length);
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, directory, true);
  view.setUint16(directory, tags.length, true);
  tags.forEach(([tag, type, count, value], i) => {
    const at = directory + 2 + i * 12;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, count, true);
    if (type === 3 && count === 1) view.setUint16(at + 8, value, true);
    else view.setUint32(at + 8, value, true);
  });
  for (let i = 0; i < 4; i++) view.setUint16(bits + i * 2, 8, true);
  out.set(pixels, data);
  return out;
}

/**
 * Headers of the colour module's profiles: libvips's sRGB (Clinton Ingram's compact sRGB, CC0), the
 * output of every conversion; and a CMYK table made from sharp's own conversion of a CMYK grid
 * (through libvips's "Chemical proof"), by a native build of the same LittleCMS.
 */
async function generateProfiles(toolchain, dir, lcms) {
  const { default: sharp } = await import('sharp');
  const srgb = await libvipsProfile('srgb');
  const libvipsCmyk = await libvipsProfile('cmyk');
  writeFileSync(path.join(dir, 'srgb-profile.h'), cArray('srgb_profile', srgb));
  writeFileSync(path.join(dir, 'srgb.icc'), srgb);

  const n = CMYK_GRID;
  const cmyk = new Uint8Array(n ** 4 * 4);
  for (let i = 0; i < n ** 4; i++) {
    for (let axis = 0, rest = i; axis < 4; axis++, rest = Math.floor(rest / n))
      cmyk[i * 4 + 3 - axis] = Math.round(((rest % n) * 255) / (n - 1));
  }
  const rgb = await sharp(cmykTiff(n * n, n * n, cmyk))
    .removeAlpha()
    .raw()
    .toBuffer();
  if (rgb.length !== n ** 4 * 3) throw new Error('sharp did not convert the CMYK grid to sRGB');
  writeFileSync(path.join(dir, 'grid.rgb'), rgb);

  const tool = path.join(dir, 'cmyk-profile');
  await promisify(execFile)(toolchain.clang, [
    '-O2',
    '-w',
    `-I${path.join(lcms, 'include')}`,
    '-DCMS_NO_PTHREADS',
    '-o',
    tool,
    path.join(here, 'tools', 'cmyk-profile.c'),
    ...readdirSync(path.join(lcms, 'src'))
      .filter((file) => file.endsWith('.c'))
      .sort()
      .map((file) => path.join(lcms, 'src', file)),
    '-lm',
  ]);
  const profile = path.join(dir, 'default-cmyk.icc');
  await promisify(execFile)(tool, [
    path.join(dir, 'grid.rgb'),
    String(n),
    path.join(dir, 'srgb.icc'),
    profile,
  ]);
  // The full profile itself, embedded in a file, is recognised by length and FNV-1a hash and takes the
  // table too: LittleCMS 2.14 evaluates its perceptual tables a little differently from the one in
  // sharp (mean ΔE76 3.4 on saturated images).
  let hash = 0x811c9dc5;
  for (const byte of libvipsCmyk) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  writeFileSync(
    path.join(dir, 'default-cmyk.h'),
    `${cArray('default_cmyk', readFileSync(profile))}#define LIBVIPS_CMYK_LENGTH ${libvipsCmyk.length}u\n#define LIBVIPS_CMYK_FNV1A 0x${hash.toString(16)}u\n`,
  );
}

/**
 * The tree with our changes applied, in a copy beside the pristine one, keyed by the changes: the
 * cache never mixes patched and pristine. `patches` are patch files (wasm/debian/patches/...),
 * applied in order with `patch -p1`, which must apply cleanly; `edits` are exact text replacements,
 * each of which must match once.
 */
function editedTree(pkg, edits = [], patches = []) {
  const tree = sourceTree(pkg);
  if (!edits.length && !patches.length) return tree;
  const texts = patches.map((file) => readFileSync(path.join(here, file), 'utf8'));
  const key = createHash('sha256').update(JSON.stringify({ edits, texts })).digest('hex').slice(0, 12);
  const copy = path.join(path.dirname(tree), `edited-${key}`);
  if (existsSync(path.join(copy, '.complete'))) return copy;
  rmSync(copy, { recursive: true, force: true });
  cpSync(tree, copy, { recursive: true });
  for (const [i, text] of texts.entries()) {
    try {
      execFileSync('patch', ['-p1', '--force', '--fuzz=0', '--no-backup-if-mismatch', '-s'], {
        cwd: copy,
        input: text,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (error) {
      throw new Error(`${pkg}: ${patches[i]} does not apply: ${error.stdout ?? ''}${error.stderr ?? ''}`);
    }
  }
  for (const { file, from, to } of edits) {
    const text = readFileSync(path.join(copy, file), 'utf8');
    if (text.split(from).length !== 2) throw new Error(`${pkg}/${file}: the edit's text must occur once`);
    writeFileSync(path.join(copy, file), text.replace(from, to));
  }
  writeFileSync(path.join(copy, '.complete'), '');
  return copy;
}

/** The source trees of a codec's libraries: with our changes, or as Debian ships them (`pristine`). */
function codecTrees(codec, pristine = false) {
  return Object.fromEntries(
    codec.packages.map((pkg) => [
      pkg,
      pristine ? sourceTree(pkg) : editedTree(pkg, codec.edits?.[pkg], codec.patches?.[pkg]),
    ]),
  );
}

/**
 * A codec's library C files and source trees, with our changes or without (`pristine`), for native
 * builds that check those changes (test/wasm.test.ts builds libpng with AddressSanitizer both ways).
 */
export function codecSources(name, { pristine = false } = {}) {
  const trees = codecTrees(CODECS[name], pristine);
  return { trees, files: sourceFiles(CODECS[name].files, trees) };
}

async function includeFlags(codec, toolchain) {
  const trees = codecTrees(codec);
  const configured = Object.entries(codec.configure ?? {}).map(([pkg, spec]) =>
    configureHeaders(trees[pkg], spec),
  );
  if (codec.generate) {
    const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-generated-'));
    await codec.generate(toolchain, dir, trees);
    configured.push(dir);
  }
  return {
    trees,
    includes: [
      ...configured.map((dir) => `-I${dir}`),
      ...(codec.include ?? []).map((dir) => `-I${path.join(here, dir)}`),
      ...Object.values(trees).map((tree) => `-I${tree}`),
      ...Object.entries(codec.subdirs ?? {}).flatMap(([pkg, dirs]) =>
        dirs.map((dir) => `-I${path.join(trees[pkg], dir)}`),
      ),
      ...(codec.defines ?? []),
    ],
  };
}

/**
 * The C files of `{ package: [file, ...] }`, in the package trees. `dir/*`: every C file of a folder
 * (libwebp's architecture-specific files compile to nothing without their SSE2/NEON/MIPS macros,
 * which wasm32 never defines).
 */
function sourceFiles(files, trees) {
  return Object.entries(files).flatMap(([pkg, list]) =>
    list.flatMap((file) =>
      file.endsWith('/*')
        ? readdirSync(path.join(trees[pkg], file.slice(0, -2)))
            .filter((name) => name.endsWith('.c'))
            .sort()
            .map((name) => path.join(trees[pkg], file.slice(0, -2), name))
        : [path.join(trees[pkg], `${file}.c`)],
    ),
  );
}

async function buildCodec(toolchain, name, outDir) {
  const codec = CODECS[name];
  const { trees, includes } = await includeFlags(codec, toolchain);
  await lintGlue(toolchain, codec, includes);
  // Paths never reach the binary (no assertions, stripped), but map them anyway for reproducibility.
  const prefixMaps = Object.entries(trees).map(([pkg, tree]) => `-ffile-prefix-map=${tree}=${pkg}`);
  const compile = [
    ...CODEC_FLAGS,
    ...(codec.optimize ? [codec.optimize] : []),
    ...prefixMaps,
    `-ffile-prefix-map=${here}=wasm`,
    ...includes,
    '-w', // the libraries' own warnings are Debian's business; our glue is checked below
  ];
  // Files compiled more than once with different defines (dav1d's bit-depth templates) become
  // objects first, named by variant, and join the link.
  const objects = codec.cmake ? [await cmakeLibrary(toolchain, name, codec, trees)] : [];
  if (codec.variants?.length) {
    const dir = mkdtempSync(path.join(tmpdir(), `edge-resizer-${name}-`));
    for (const variant of codec.variants) {
      for (const source of sourceFiles(variant.files, trees)) {
        const object = path.join(dir, `${path.basename(source, '.c')}-${variant.suffix}.o`);
        await promisify(execFile)(toolchain.clang, [
          ...compile,
          ...variant.defines,
          '-c',
          '-o',
          object,
          source,
        ]);
        objects.push(object);
      }
    }
  }
  const out = path.join(outDir, `${name}.wasm`);
  return promisify(execFile)(
    toolchain.clang,
    [
      ...compile,
      `-fuse-ld=${toolchain.linker}`,
      ...CODEC_LINK,
      ...(codec.maxMemory ? [`-Wl,--max-memory=${codec.maxMemory}`] : []),
      '-o',
      out,
      ...sourceFiles(codec.files, trees),
      ...(codec.sources ?? []).map((file) => path.join(here, file)),
      ...objects,
      path.join(here, codec.glue),
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).then(() => out);
}

/**
 * A library built by its own CMake for wasm32-wasi (Debian's cmake and ninja), with our codec flags
 * and include folders; returns the static library's path.
 */
async function cmakeLibrary(toolchain, name, codec, trees) {
  const { package: pkg, target, library, options } = codec.cmake;
  const dir = mkdtempSync(path.join(tmpdir(), `edge-resizer-${name}-cmake-`));
  const toolchainFile = path.join(dir, 'wasi.cmake');
  const llvm = (tool) => (existsSync(`/usr/bin/${tool}-14`) ? `/usr/bin/${tool}-14` : tool);
  writeFileSync(
    toolchainFile,
    [
      'set(CMAKE_SYSTEM_NAME Generic)',
      'set(CMAKE_SYSTEM_PROCESSOR wasm32)',
      `set(CMAKE_C_COMPILER ${toolchain.clang})`,
      `set(CMAKE_CXX_COMPILER ${toolchain.clang.replace('clang', 'clang++')})`,
      'set(CMAKE_C_COMPILER_TARGET wasm32-wasi)',
      'set(CMAKE_CXX_COMPILER_TARGET wasm32-wasi)',
      `set(CMAKE_AR ${llvm('llvm-ar')})`,
      `set(CMAKE_RANLIB ${llvm('llvm-ranlib')})`,
      'set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)',
      '',
    ].join('\n'),
  );
  const build = path.join(dir, 'build');
  const flags = [
    ...CODEC_FLAGS.filter((flag) => !flag.startsWith('--target')),
    `-ffile-prefix-map=${trees[pkg]}=${pkg}`,
    `-ffile-prefix-map=${build}=${pkg}-build`,
    ...(codec.include ?? []).map((folder) => `-I${path.join(here, folder)}`),
  ].join(' ');
  const run = (args) => promisify(execFile)('cmake', args, { maxBuffer: 64 * 1024 * 1024 });
  await run([
    '-G',
    'Ninja',
    '-S',
    trees[pkg],
    '-B',
    build,
    `-DCMAKE_TOOLCHAIN_FILE=${toolchainFile}`,
    `-DCMAKE_C_FLAGS=${flags}`,
    ...Object.entries(options).map(([key, value]) => `-D${key}=${value}`),
  ]);
  await run(['--build', build, '--target', target, '--parallel', '2']);
  return path.join(build, library);
}

/** Checks our glue alone with every warning on, so `-w` above only silences the libraries. */
function lintGlue(toolchain, codec, includes) {
  return promisify(execFile)(toolchain.clang, [
    ...CODEC_FLAGS,
    ...includes,
    '-Wall',
    '-Wextra',
    '-Werror',
    '-fsyntax-only',
    path.join(here, codec.glue),
  ]);
}

/** Builds everything (or the named modules) into outDir, two compilers at a time. */
export async function build(outDir, names = [...KERNELS, ...Object.keys(CODECS)]) {
  const toolchain = toolchainOrThrow();
  const jobs = names.map((name) =>
    KERNELS.includes(name)
      ? () => buildKernel(toolchain, name, outDir)
      : () => buildCodec(toolchain, name, outDir),
  );
  const outputs = [];
  const run = async () => {
    for (let job = jobs.shift(); job; job = jobs.shift()) {
      try {
        outputs.push(await job());
      } catch (error) {
        // The compiler's own words, not the whole command line.
        throw new Error(error.stderr?.trim() || error.message);
      }
    }
  };
  await Promise.all([run(), run()]);
  return names.map((name) => path.join(outDir, `${name}.wasm`));
}

/** Debian source versions of the codecs, as `npx edge-resizer --version` and the README list them. */
export function codecVersions() {
  return Object.fromEntries(
    [...new Set(Object.values(CODECS).flatMap((codec) => codec.packages))].map((pkg) => [
      pkg,
      SOURCES[pkg].version,
    ]),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const selected = names.length ? names : undefined;
  if (process.argv.includes('--check')) {
    const fresh = await build(mkdtempSync(path.join(tmpdir(), 'edge-resizer-wasm-')), selected);
    const stale = fresh.filter(
      (file) => !readFileSync(file).equals(readFileSync(path.join(here, 'build', path.basename(file)))),
    );
    if (stale.length) {
      console.error(
        `wasm: ${stale.map((f) => path.basename(f)).join(', ')} differ from their sources: run node wasm/build.mjs`,
      );
      process.exit(1);
    }
    console.log(`wasm: ${fresh.length} module(s) match their sources`);
  } else {
    for (const file of await build(path.join(here, 'build'), selected))
      console.log(`${path.relative(process.cwd(), file)}: ${readFileSync(file).length} bytes`);
  }
}
