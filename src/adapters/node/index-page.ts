/**
 * The dev server's page at `/`: a playground (pick an image, set each parameter and the Accept
 * header, see the result beside the original, with the response's type, bytes, dimensions,
 * Server-Timing stages or passthrough reason, and the URL to copy), then every image of the folder
 * with a few variants, the variant first. Images are scaled down to fit the page (a toggle shows
 * them at natural size), so the variants stay in view. Every figure shown comes from the response
 * whose bytes are shown: images are fetched with an explicit Accept and displayed from that response.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ResizerConfig } from '../../core/config.js';
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

/** Accept headers to try: what browsers send for images, and what a plain HTTP client sends. */
export const ACCEPT_CHOICES: Record<string, string> = {
  'Chrome (AVIF, WebP)': 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'Safari 16 (WebP, no AVIF)': 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  'curl (*/*)': '*/*',
};

/** One option per choice: the default is the empty value, named once, so the URL leaves it out. */
function options(choices: readonly { value: string; label: string; off?: string }[]): string {
  return choices
    .map(({ value, label, off }) => {
      const marked = off ? ` class="off" data-off="${escapeHtml(off)}" title="${escapeHtml(off)}"` : '';
      return `<option value="${escapeHtml(value)}"${marked}>${escapeHtml(label)}</option>`;
    })
    .join('');
}

const FITS = ['contain', 'fill', 'inside', 'outside'] as const;
const FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;

/** How to switch a format on: the configuration key, in the file `serve --config` reads. */
export function enableHint(format: 'webp' | 'avif'): string {
  return `${format.toUpperCase()} is off: set "formats": {"${format}": true} in edge-resizer.config.json and restart serve (or pass --config FILE)`;
}

function formatChoices(config: ResizerConfig) {
  return FORMATS.map((format) => {
    const on = format === 'jpeg' || format === 'png' || config.formats[format];
    if (on) return { value: format, label: format };
    return { value: format, label: `${format} (off: formats.${format})`, off: enableHint(format) };
  });
}

function playground(images: ListedImage[], config: ResizerConfig): string {
  const names = images.map((image) => image.urlPath);
  const accepts = Object.entries(ACCEPT_CHOICES)
    .map(([label, value]) => `<option value="${escapeHtml(value)}">${escapeHtml(label)}</option>`)
    .join('');
  return `<section id="playground">
  <h2>Playground</h2>
  <form id="controls">
    <label>image <select name="image">${names.map((name) => `<option value="${escapeHtml(name)}">${escapeHtml(decodeURIComponent(name.slice(1)))}</option>`).join('')}</select></label>
    <label>width <input name="width" type="number" min="1" value="300"></label>
    <label>height <input name="height" type="number" min="1"></label>
    <label>fit <select name="fit">${options([{ value: '', label: 'cover (default)' }, ...FITS.map((fit) => ({ value: fit, label: fit }))])}</select></label>
    <label>format <select name="format">${options([{ value: '', label: 'auto (default)' }, ...formatChoices(config)])}</select></label>
    <label>quality <input name="quality" type="number" min="1" max="100"></label>
    <label>accept <select name="accept">${accepts}</select></label>
  </form>
  <p class="url"><input id="url" readonly size="60"> <button type="button" id="copy">copy URL</button></p>
  <p id="figures" aria-live="polite">…</p>
  <div class="pair">
    <figure class="variant"><img id="result" alt="result"><p id="explain" hidden></p><figcaption>result</figcaption></figure>
    <figure class="original"><img id="original" alt="original"><figcaption>original</figcaption></figure>
  </div>
</section>`;
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
    <figure class="variant"><img data-src="${href}?width=300" alt="${name} at 300 px"><figcaption>?width=300</figcaption></figure>
    <figure class="original"><img data-src="${href}" alt="${name} original"><figcaption>original</figcaption></figure>
  </div>
  <ul>${variants}</ul>
</section>`;
}

// The page's script: every image and figure comes from one fetch with an explicit Accept, so what is
// measured is what is shown (a plain fetch() would send Accept: */* while <img> sends the browser's).
const SCRIPT = `
const ACCEPT = document.querySelector('[name=accept]').value;
async function load(url, accept) {
  const res = await fetch(url, { headers: { accept } });
  const blob = await res.blob();
  const reason = res.headers.get('x-resizer-passthrough');
  const timing = res.headers.get('server-timing') || '';
  const stages = timing.split(',').filter(Boolean).map((part) => {
    const m = part.trim().match(/^([a-z]+);dur=([0-9.]+)/);
    return m ? m[1] + ' ' + Math.round(Number(m[2])) + ' ms' : part.trim();
  });
  return { blob, reason, stages, dims: await measure(blob), type: res.headers.get('content-type'), status: res.status };
}
// Pixels of what the browser shows: createImageBitmap takes no SVG, an <img> does.
async function measure(blob) {
  try {
    const bmp = await createImageBitmap(blob);
    const dims = bmp.width + '×' + bmp.height;
    bmp.close();
    return dims;
  } catch {}
  const img = new Image();
  img.src = URL.createObjectURL(blob);
  try {
    await img.decode();
    return img.naturalWidth ? img.naturalWidth + '×' + img.naturalHeight : '';
  } catch {
    return '';
  } finally {
    URL.revokeObjectURL(img.src);
  }
}
function describe(r) {
  if (r.status !== 200) return 'status ' + r.status;
  const size = (r.blob.size / 1024).toFixed(1) + ' KiB';
  const dims = r.dims ? r.dims + ' · ' : '';
  if (r.reason) return 'original (' + r.reason + ') · ' + dims + r.type + ' · ' + size;
  return dims + r.type + ' · ' + size + ' · ' + r.stages.join(', ');
}
function show(img, blob) {
  if (img.dataset.blob) URL.revokeObjectURL(img.dataset.blob);
  img.dataset.blob = URL.createObjectURL(blob);
  img.src = img.dataset.blob;
}
// Natural size or scaled to fit: scaled by default, so the variants stay in view.
const natural = document.getElementById('natural');
natural?.addEventListener('change', () => document.body.classList.toggle('natural', natural.checked));
// Playground
const form = document.getElementById('controls');
let generation = 0;
async function update() {
  if (!form) return;
  const data = new FormData(form);
  const query = new URLSearchParams();
  for (const name of ['width', 'height', 'fit', 'format', 'quality']) {
    const value = String(data.get(name) || '').trim();
    if (value) query.set(name, value);
  }
  const path = String(data.get('image'));
  const url = path + (query.size ? '?' + query : '');
  document.getElementById('url').value = new URL(url, location.href).href;
  const mine = ++generation;
  const figures = document.getElementById('figures');
  figures.textContent = '…';
  const [result, original] = await Promise.all([load(url, String(data.get('accept'))), load(path, String(data.get('accept')))]);
  if (mine !== generation) return;
  // A format switched off: say how to switch it on, rather than show the original as if it were the result.
  const chosen = form.querySelector('[name=format]').selectedOptions[0];
  const explain = document.getElementById('explain');
  const img = document.getElementById('result');
  const off = result.reason === 'format-disabled' ? (chosen?.dataset.off || 'This format is off in the configuration') : '';
  explain.textContent = off;
  explain.hidden = !off;
  img.hidden = Boolean(off);
  show(img, result.blob);
  show(document.getElementById('original'), original.blob);
  figures.textContent = describe(result);
  figures.dataset.type = result.type || '';
  figures.dataset.bytes = String(result.blob.size);
  figures.dataset.dims = result.dims;
  figures.dataset.reason = result.reason || '';
  figures.dataset.url = url;
}
form?.addEventListener('input', update);
form?.addEventListener('change', update);
document.getElementById('copy')?.addEventListener('click', () => navigator.clipboard?.writeText(document.getElementById('url').value));
update();
// The grid of variants
for (const img of document.querySelectorAll('img[data-src]')) load(img.dataset.src, ACCEPT).then((r) => show(img, r.blob));
for (const el of document.querySelectorAll('.stat')) {
  load(el.dataset.url, ACCEPT).then((r) => {
    el.textContent = describe(r);
    el.title = r.stages.join(', ');
  });
}`;

export async function renderIndex(root: string, config: ResizerConfig): Promise<string> {
  const images = await listImages(root);
  const body = images.length
    ? `${playground(images, config)}\n<h2>All images</h2>\n${images.map(card).join('\n')}`
    : '<p>No images in this folder.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>edge-resizer: ${escapeHtml(path.basename(path.resolve(root)))}</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
.card{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:0 0 1.5rem}
.card h2{margin:0 0 .25rem;font-size:1.1rem}
.pair{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}
.pair figure{margin:0;min-width:0}
.pair .variant{flex:none;max-width:100%}
.pair .original{flex:1 1 20rem}
.pair img{display:block;max-width:100%;height:auto;background:repeating-conic-gradient(#eee 0 25%,#fff 0 50%) 0 0/16px 16px}
.pair .original img{max-height:60vh}
body.natural .pair{flex-wrap:nowrap;overflow-x:auto}
body.natural .pair figure{flex:none}
body.natural .pair img{max-width:none;max-height:none}
[hidden]{display:none!important}
#explain{max-width:30rem;padding:.75rem;border:1px solid #e0b000;border-radius:6px;background:#fff8e0;margin:0}
.stat{color:#666}
option.off{color:#888}
#controls{display:flex;flex-wrap:wrap;gap:.5rem 1rem;margin:.5rem 0}
#controls input[type=number]{width:5rem}
#figures{font-variant-numeric:tabular-nums}
</style></head>
<body><h1>edge-resizer</h1>
<p>The images of <code>${escapeHtml(root)}</code>, resized as the edge resizes them. Add <code>?width=</code>,
<code>height</code>, <code>fit</code>, <code>format</code>, <code>quality</code> to any image URL, or try
them below. Images are scaled down to fit the page:
<label><input type="checkbox" id="natural"> show them at natural size</label></p>
${body}
<script>${SCRIPT}</script>
</body></html>`;
}
