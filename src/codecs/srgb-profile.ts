/**
 * Recognises an embedded ICC profile that describes sRGB, from its own tags and without the colour
 * engine. Most cameras and exports embed one (HP's 3,144-byte "sRGB IEC61966-2.1" above all), and
 * converting through it changes nothing; but finding that out through LittleCMS means compiling the
 * colour module and building a transform, 15-20 ms of a cold request. An RGB matrix/TRC profile (no
 * lookup tables, which LittleCMS would prefer) is taken as sRGB when converting any colour through it
 * to the output profile (libvips's sRGB, as sharp converts) would leave it within one level:
 * a bound computed from its colorants and tone curves, so it holds for every colour, not a sample.
 * That is the colour engine's own rule for an identity (wasm/colour.c checks a grid of colours), so
 * the two agree (tested); anything else still goes through LittleCMS (codecs/colour.ts).
 */

/** libvips's sRGB profile, the output: colorants (D50, s15Fixed16) as columns R, G, B. */
const OUTPUT_COLORANTS = [
  [28576, 25238, 9376],
  [14578, 46985, 3973],
  [911, 6362, 46788],
].map((row) => row.map((v) => v / 65536));
/** Its tone curve is parametric type 3, Y = (aX + b)^g for X >= d and cX below: its inverse. */
const [G, A, B, C, D] = [157289, 62119, 3417, 5072, 2651].map((v) => v / 65536) as [
  number,
  number,
  number,
  number,
  number,
];
const inverseOutputCurve = (y: number) => {
  const clamped = Math.min(1, Math.max(0, y));
  return clamped >= C * D ? (clamped ** (1 / G) - B) / A : clamped / C;
};

/**
 * The exact error, in output levels, below which the engine's rounded result stays within one level
 * of the input (its 16-bit arithmetic adds well under a quarter of a level): its rule for an identity.
 */
const WITHIN_ONE_LEVEL = 1.25;

interface Tag {
  offset: number;
  size: number;
}

/** The tag table, every entry bounds-checked against the profile; undefined when malformed. */
function tagTable(icc: Uint8Array, view: DataView): Map<string, Tag> | undefined {
  if (icc.length < 132) return undefined;
  const count = view.getUint32(128);
  if (count > 200 || 132 + count * 12 > icc.length) return undefined;
  const tags = new Map<string, Tag>();
  for (let i = 0; i < count; i++) {
    const at = 132 + i * 12;
    const offset = view.getUint32(at + 4);
    const size = view.getUint32(at + 8);
    if (offset + size > icc.length || size < 8) return undefined;
    tags.set(String.fromCharCode(...icc.subarray(at, at + 4)), { offset, size });
  }
  return tags;
}

function typeOf(icc: Uint8Array, tag: Tag): string {
  return String.fromCharCode(...icc.subarray(tag.offset, tag.offset + 4));
}

function colorant(icc: Uint8Array, view: DataView, tag: Tag | undefined): number[] | undefined {
  if (!tag || tag.size < 20 || typeOf(icc, tag) !== 'XYZ ') return undefined;
  return [0, 1, 2].map((k) => view.getInt32(tag.offset + 8 + 4 * k) / 65536);
}

/** ICC parametric curve `kind` (0 to 4) at x, from its parameters g, a, b, c, d, e, f. */
function parametric(
  kind: number,
  [g = 1, a = 1, b = 0, c = 0, d = 0, e = 0, f = 0]: number[],
  x: number,
): number {
  const power = () => Math.max(0, a * x + b) ** g;
  switch (kind) {
    case 0:
      return x ** g;
    case 1:
      return x >= -b / a ? power() : 0;
    case 2:
      return x >= -b / a ? power() + c : c;
    case 3:
      return x >= d ? power() : c * x;
    default:
      return x >= d ? power() + e : c * x + f;
  }
}

/** A tone curve ('curv' or 'para') sampled at the 256 input levels; undefined when not one. */
function toneCurve(icc: Uint8Array, view: DataView, tag: Tag | undefined): Float64Array | undefined {
  if (!tag) return undefined;
  const samples = new Float64Array(256);
  const type = typeOf(icc, tag);
  if (type === 'curv' && tag.size >= 12) {
    const count = view.getUint32(tag.offset + 8);
    if (tag.size < 12 + 2 * count) return undefined;
    const entry = (i: number) => view.getUint16(tag.offset + 12 + 2 * i) / 65535;
    for (let v = 0; v < 256; v++) {
      const x = v / 255;
      if (count === 0) samples[v] = x;
      else if (count === 1) samples[v] = x ** (view.getUint16(tag.offset + 12) / 256);
      else {
        const at = x * (count - 1);
        const i = Math.min(count - 2, Math.floor(at));
        samples[v] = entry(i) + (entry(i + 1) - entry(i)) * (at - i);
      }
    }
    return samples;
  }
  if (type === 'para' && tag.size >= 16) {
    const kind = view.getUint16(tag.offset + 8);
    const needed = [1, 3, 4, 5, 7][kind];
    if (needed === undefined || tag.size < 12 + 4 * needed) return undefined;
    const parameters = Array.from(
      { length: needed },
      (_, k) => view.getInt32(tag.offset + 12 + 4 * k) / 65536,
    );
    for (let v = 0; v < 256; v++) samples[v] = parametric(kind, parameters, v / 255);
    return samples.every(Number.isFinite) ? samples : undefined;
  }
  return undefined;
}

function invert3(m: number[][]): number[][] | undefined {
  const [[a = 0, b = 0, c = 0] = [], [d = 0, e = 0, f = 0] = [], [g = 0, h = 0, i = 0] = []] = m;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  if (Math.abs(det) < 1e-9) return undefined;
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

const OUTPUT_INVERSE = invert3(OUTPUT_COLORANTS) as number[][];

/** Whether converting through `icc` to sRGB would leave every colour within one level. */
export function isSrgbProfile(icc: Uint8Array): boolean {
  const view = new DataView(icc.buffer, icc.byteOffset, icc.byteLength);
  const text = (at: number) => String.fromCharCode(...icc.subarray(at, at + 4));
  if (icc.length < 132 || text(16) !== 'RGB ' || text(20) !== 'XYZ ' || text(36) !== 'acsp') return false;
  const tags = tagTable(icc, view);
  if (!tags || ['A2B0', 'A2B1', 'A2B2', 'D2B0'].some((name) => tags.has(name))) return false;
  const columns = ['rXYZ', 'gXYZ', 'bXYZ'].map((name) => colorant(icc, view, tags.get(name)));
  const curves = ['rTRC', 'gTRC', 'bTRC'].map((name) => toneCurve(icc, view, tags.get(name)));
  if (columns.some((c) => !c) || curves.some((c) => !c)) return false;
  const input = [0, 1, 2].map((row) => [0, 1, 2].map((col) => (columns[col] as number[])[row] as number));
  // Input linear RGB to output linear RGB.
  const p = OUTPUT_INVERSE.map((row) =>
    [0, 1, 2].map((col) =>
      row.reduce((sum, value, k) => sum + value * ((input[k] as number[])[col] as number), 0),
    ),
  );
  const ranges = (curves as Float64Array[]).map((curve) => [Math.min(...curve), Math.max(...curve)]);
  for (let c = 0; c < 3; c++) {
    const row = p[c] as number[];
    const curve = curves[c] as Float64Array;
    // How far the other channels can push this one's linear value down and up, whatever their level.
    let down = 0;
    let up = 0;
    for (let j = 0; j < 3; j++) {
      if (j === c) continue;
      const [lowest = 0, highest = 0] = ranges[j] as number[];
      const pushes = [(row[j] as number) * lowest, (row[j] as number) * highest];
      down += Math.min(...pushes);
      up += Math.max(...pushes);
    }
    for (let v = 0; v < 256; v++) {
      const own = (row[c] as number) * (curve[v] as number);
      // The output curve's inverse is monotonic: the worst cases are the two ends of the interval.
      const low = 255 * inverseOutputCurve(own + down);
      const high = 255 * inverseOutputCurve(own + up);
      if (Math.max(Math.abs(low - v), Math.abs(high - v)) >= WITHIN_ONE_LEVEL) return false;
    }
  }
  return true;
}
