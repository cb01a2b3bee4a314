/** A folder of small generated originals covering every row of the URL semantics table. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { pngBomb } from './bombs.js';
import { scene, toBytes } from './images.js';

/** A 60 px frame of the photo, its hue turned, for an animated GIF of two frames. */
function frame(photo: ReturnType<typeof scene>, hue: number): Promise<Buffer> {
  return photo.clone().resize(60).modulate({ hue }).png().toBuffer();
}

export async function makeCorpus(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'edge-resizer-corpus-'));
  const photo = scene(1200, 800, 2);
  const jpeg = await toBytes(photo.clone().jpeg({ quality: 85 }));
  const files: Record<string, Uint8Array | string> = {
    'photo.jpg': jpeg,
    'photos/nested cat.jpg': jpeg,
    'alpha.png': await toBytes(photo.clone().ensureAlpha(0.6).png()),
    'pic.webp': await toBytes(photo.clone().webp()),
    'vector.svg':
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    'anim.gif': await toBytes(
      sharp([await frame(photo, 0), await frame(photo, 180)], { join: { animated: true } }).gif(),
    ),
    'still.gif': await toBytes(sharp(await photo.clone().resize(60).png().toBuffer()).gif()),
    'unknown.jpg': new TextEncoder().encode('this is not an image at all'),
    'corrupt.jpg': jpeg.slice(0, 200),
    'bomb.png': pngBomb(60000, 60000),
    'cmyk.jpg': await toBytes(photo.clone().toColourspace('cmyk').jpeg()),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const file = path.join(dir, name);
    await import('node:fs').then((fs) => fs.mkdirSync(path.dirname(file), { recursive: true }));
    writeFileSync(file, bytes);
  }
  return dir;
}
