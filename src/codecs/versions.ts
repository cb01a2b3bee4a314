/**
 * What is inside the WebAssembly, for `edge-resizer --version` and the README, so a user can answer
 * "are we affected by CVE-X?". The Debian versions are those pinned in wasm/debian/sources.json
 * (a test keeps the two equal).
 */
export const CODEC_VERSIONS: Readonly<Record<string, string>> = {
  'libjpeg-turbo': '2.1.5 (Debian source 1:2.1.5-2), JPEG decoding',
  lcms2: '2.14 (Debian source 2.14-2+deb12u1), colour management',
  libpng:
    "1.6.39 (Debian source libpng1.6 1.6.39-2+deb12u5 with our patch for deb12u6's CVE-2026-46675, wasm/debian/patches/libpng1.6), PNG",
  zlib: '1.2.13 (Debian source 1:1.2.13.dfsg-1), PNG',
  giflib: '5.2.1 (Debian source 5.2.1-2.5+deb12u1), GIF decoding',
  libwebp: '1.2.4 (Debian source 1.2.4-0.2+deb12u1, CVE-2023-4863 fixed), WebP',
  dav1d: '1.0.0 (Debian source 1.0.0-2+deb12u1, CVE-2024-1580 fixed), AVIF decoding',
  libaom:
    '3.6.0 (Debian source 3.6.0-1+deb12u2 with the three patches of deb12u3: CVE-2024-5171, CVE-2026-56208 to 56211 fixed), AVIF encoding',
  'edge-resizer kernels': 'wasm/resize.c, wasm/jpeg-encode.c: resizing, JPEG encoding',
};
