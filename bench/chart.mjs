// A horizontal bar chart of a bench run, as SVG: one row per image (its name and size on the left,
// never overlapping), one bar per pipeline with its warm latency in milliseconds, an axis with
// units, and a legend. `node bench/chart.mjs bench/results/NAME.json > bench/chart.svg` redraws the
// chart the README shows from a saved run.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COLOURS = { 'edge-resizer': '#2f7ed8', sharp: '#6b6b6b' };

function escapeXml(text) {
  return String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round step for about five ticks up to `max`. */
function tickStep(max) {
  const rough = max / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough) ?? power * 10;
}

export function chart(results, names, spec) {
  // Room for the longest row label (about 7 px a character at 12 px sans-serif).
  const label = 20 + 7 * Math.max(...results.map((r) => `${r.image} (${r.size})`.length));
  const plot = 420;
  const bar = 14;
  const row = names.length * bar + 14;
  const top = 54;
  const height = top + results.length * row + 46;
  const width = label + plot + 80;
  const max = Math.max(...results.flatMap((r) => names.map((n) => r.pipelines[n].warmMs)));
  const step = tickStep(max);
  const end = Math.ceil(max / step) * step;
  const x = (ms) => label + (ms / end) * plot;
  const format = (spec.format ?? 'jpeg').toUpperCase();
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    `<title>Warm latency per image, edge-resizer and sharp, ${spec.width} px ${format} q${spec.quality}</title>`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="20" font-size="14" font-weight="bold">Warm latency per image (ms, lower is better): ${spec.width} px wide ${format}, quality ${spec.quality}</text>`,
  ];
  names.forEach((name, j) => {
    const lx = label + j * 130;
    parts.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${COLOURS[name] ?? '#999'}"/>`);
    parts.push(`<text x="${lx + 16}" y="40">${escapeXml(name)}</text>`);
  });
  for (let ms = 0; ms <= end; ms += step) {
    parts.push(
      `<line x1="${x(ms)}" x2="${x(ms)}" y1="${top - 4}" y2="${top + results.length * row}" stroke="#e4e4e4"/>`,
    );
    parts.push(
      `<text x="${x(ms)}" y="${top + results.length * row + 16}" text-anchor="middle" fill="#555">${ms}</text>`,
    );
  }
  parts.push(
    `<text x="${label + plot / 2}" y="${top + results.length * row + 34}" text-anchor="middle" fill="#555">milliseconds, median of warm runs</text>`,
  );
  results.forEach((result, i) => {
    const y0 = top + i * row;
    parts.push(
      `<text x="${label - 8}" y="${y0 + (names.length * bar) / 2 + 4}" text-anchor="end">${escapeXml(`${result.image} (${result.size})`)}</text>`,
    );
    names.forEach((name, j) => {
      const ms = result.pipelines[name].warmMs;
      const y = y0 + j * bar;
      parts.push(
        `<rect x="${label}" y="${y}" width="${Math.max(1, x(ms) - label)}" height="${bar - 3}" fill="${COLOURS[name] ?? '#999'}"/>`,
      );
      parts.push(`<text x="${x(ms) + 4}" y="${y + bar - 4}" font-size="11">${Math.round(ms)}</text>`);
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/chart.mjs bench/results/NAME.json > bench/chart.svg');
    process.exit(2);
  }
  const run = JSON.parse(readFileSync(file, 'utf8'));
  process.stdout.write(chart(run.results, Object.keys(run.results[0].pipelines), run.spec));
}
