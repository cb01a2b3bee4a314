// A small SVG bar chart: warm latency per image, one bar per pipeline, relative to sharp.
const COLOURS = { 'edge-resizer': '#2f7ed8', sharp: '#5a5a5a' };

export function chart(results, names, spec) {
  const barWidth = 22;
  const group = names.length * barWidth + 30;
  const height = 260;
  const top = 40;
  const plot = 170;
  const max = Math.max(
    ...results.flatMap((r) => names.map((n) => r.pipelines[n].warmMs / r.pipelines.sharp.warmMs)),
  );
  const width = 60 + results.length * group + 160;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11" role="img">`,
    '<title>Warm latency of each pipeline relative to sharp, per image</title>',
    `<text x="10" y="18" font-size="13">Warm latency relative to sharp (1.0 = sharp), ${spec.width} px JPEG q${spec.quality}</text>`,
  ];
  const y = (ratio) => top + plot - (ratio / max) * plot;
  parts.push(
    `<line x1="50" x2="${width - 150}" y1="${y(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  results.forEach((row, i) => {
    const x0 = 60 + i * group;
    names.forEach((name, j) => {
      const ratio = row.pipelines[name].warmMs / row.pipelines.sharp.warmMs;
      const x = x0 + j * barWidth;
      parts.push(
        `<rect x="${x}" y="${y(ratio)}" width="${barWidth - 4}" height="${top + plot - y(ratio)}" fill="${COLOURS[name] ?? '#888'}"/>`,
      );
      parts.push(
        `<text x="${x + (barWidth - 4) / 2}" y="${y(ratio) - 3}" text-anchor="middle" font-size="9">${ratio.toFixed(1)}</text>`,
      );
    });
    parts.push(`<text x="${x0}" y="${top + plot + 14}" font-size="9">${row.image.slice(0, 22)}</text>`);
  });
  names.forEach((name, j) => {
    parts.push(
      `<rect x="${width - 140}" y="${top + j * 18}" width="12" height="12" fill="${COLOURS[name] ?? '#888'}"/>`,
    );
    parts.push(`<text x="${width - 122}" y="${top + j * 18 + 10}">${name}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
