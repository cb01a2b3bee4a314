/**
 * The dev server's index page: every image of the folder, the original beside resized variants,
 * with each variant's bytes, dimensions and Server-Timing measured in the browser.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { orientedSize } from '../../core/pixels.js';
import { type ImageInfo, probe } from '../../core/probe.js';
import { findInFolder, readHead } from './folder-origin.js';

const VARIANTS = [
  'width=150',
  'width=300',
  'width=600',
  'width=300&format=webp',
  'width=300&height=300&fit=cover',
];
const MAX_LISTED = 200;
/** Bytes read to describe a file: JPEG headers with EXIF and ICC segments fit well inside. */
const PROBE_BYTES = 512 * 1024;

export interface ListedImage {
  urlPath: string;
  bytes: number;
  info: ImageInfo;
}

export async function listImages(root: string): Promise<ListedImage[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep))
    .filter((segments) => !segments.some((segment) => segment.startsWith('.'))) // hidden files and folders
    .sort()
    .slice(0, MAX_LISTED);
  const listed = await Promise.all(
    files.map(async (segments) => {
      const found = await findInFolder(root, `/${segments.map(encodeURIComponent).join('/')}`);
      if (!found) return undefined;
      // A header-sized read: the index never loads a whole file to describe it.
      const head = await readHead(found.file, PROBE_BYTES);
      let info: ImageInfo;
      try {
        info = probe(head);
      } catch {
        return undefined; // not an image, or a header larger than we read
      }
      const urlPath = `/${segments.map(encodeURIComponent).join('/')}`;
      return { urlPath, bytes: found.size, info };
    }),
  );
  return listed.filter((image): image is ListedImage => image !== undefined);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function card(image: ListedImage): string {
  const name = escapeHtml(decodeURIComponent(image.urlPath.slice(1)));
  const href = escapeHtml(image.urlPath);
  const { info } = image;
  const upright = orientedSize(info, info.orientation);
  const dims = info.width > 0 ? `${upright.width}×${upright.height}` : 'not resized';
  const variants = VARIANTS.map((query) => {
    const url = `${href}?${escapeHtml(query)}`;
    return `<li><a href="${url}">${escapeHtml(query)}</a> <span class="stat" data-url="${url}">…</span></li>`;
  }).join('');
  return `<section class="card">
  <h2>${name}</h2>
  <p><a href="${href}">original</a> · ${info.format} · ${dims} · ${(image.bytes / 1024).toFixed(1)} KiB</p>
  <div class="pair">
    <figure><img src="${href}" alt="${name} original" loading="lazy"><figcaption>original</figcaption></figure>
    <figure><img src="${href}?width=300" alt="${name} at 300 px" loading="lazy"><figcaption>?width=300</figcaption></figure>
  </div>
  <ul>${variants}</ul>
</section>`;
}

// Fetches each variant and shows what the server answered: size, type, dimensions, timings, or the
// reason it served the original.
const SCRIPT = `
for (const el of document.querySelectorAll('.stat')) {
  fetch(el.dataset.url).then(async (res) => {
    const blob = await res.blob();
    const reason = res.headers.get('x-resizer-passthrough');
    const timing = res.headers.get('server-timing') || '';
    const total = timing.split(',').reduce((sum, part) => sum + Number((part.match(/dur=([0-9.]+)/) || [0, 0])[1]), 0);
    let dims = '';
    try { const bmp = await createImageBitmap(blob); dims = bmp.width + '×' + bmp.height + ' · '; } catch {}
    el.textContent = reason
      ? 'original (' + reason + ')'
      : dims + res.headers.get('content-type') + ' · ' + (blob.size / 1024).toFixed(1) + ' KiB · ' + total.toFixed(0) + ' ms';
    el.title = timing;
  });
}`;

export async function renderIndex(root: string): Promise<string> {
  const images = await listImages(root);
  const body = images.length ? images.map(card).join('\n') : '<p>No images in this folder.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>edge-resizer: ${escapeHtml(path.basename(path.resolve(root)))}</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
.card{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:0 0 1.5rem}
.card h2{margin:0 0 .25rem;font-size:1.1rem}
.pair{display:flex;gap:1rem;align-items:flex-start}
.pair img{max-width:300px;height:auto;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}
figure{margin:0}.stat{color:#666}
</style></head>
<body><h1>edge-resizer</h1>
<p>Every image of <code>${escapeHtml(root)}</code>. Add <code>?width=</code>, <code>height</code>, <code>fit</code>,
<code>format</code>, <code>quality</code> to any image URL.</p>
${body}
<script>${SCRIPT}</script>
</body></html>`;
}
