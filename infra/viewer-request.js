// CloudFront Function (cloudfront-js-2.0), viewer-request: canonicalises the request before the cache
// key is computed, so every variant is cached once and the key never holds a raw Accept header.
// - drops query parameters the resizer does not read;
// - writes the recognised ones in one fixed order; repeated identical values collapse to one,
//   conflicting repeats are kept so the origin-response function refuses them;
// - resolves `format=auto` or a missing format against Accept into a concrete format (or none, which
//   means "the original's format"), only when the request asks for a transform at all.
// Values are otherwise left as sent: the origin-response function validates them.
// - with allowed widths configured, a request for another width is snapped to the next allowed one
//   (snapWidths) or stripped of its parameters (served as the original), so visitors cannot make
//   CloudFront cache and the function compute one variant per width.
// ENABLED and WIDTHS are replaced at deploy time from edge-resizer.config.json (see infra/stack.ts).
const ENABLED = { webp: true, avif: false };
const WIDTHS = { allowed: [], snap: false };
const NAMES = ['width', 'height', 'fit', 'format', 'quality'];

function valuesOf(entry) {
  const list = entry.multiValue ? entry.multiValue : [entry];
  const out = [];
  for (const item of list) {
    if (out.indexOf(item.value) === -1) out.push(item.value);
  }
  return out;
}

function accepts(accept, type) {
  for (const range of accept.toLowerCase().split(',')) {
    const parts = range.split(';');
    if (parts[0].trim() !== type) continue;
    const refused = parts
      .slice(1)
      .some((p) => p.trim().indexOf('q=') === 0 && !(Number(p.trim().slice(2)) > 0));
    if (!refused) return true;
  }
  return false;
}

function negotiate(accept) {
  if (ENABLED.avif && accepts(accept, 'image/avif')) return 'avif';
  if (ENABLED.webp && accepts(accept, 'image/webp')) return 'webp';
  return undefined;
}

/** The same rule as the origin's (src/core/policy.ts): false when the request must be refused. */
function applyWidths(canonical) {
  const width = canonical.width;
  if (WIDTHS.allowed.length === 0 || !width || width.multiValue || !/^[1-9][0-9]{0,8}$/.test(width.value))
    return true;
  const requested = Number(width.value);
  if (WIDTHS.allowed.indexOf(requested) !== -1) return true;
  if (!WIDTHS.snap) return false;
  const sorted = WIDTHS.allowed.slice().sort((a, b) => a - b);
  const snapped = sorted.find((w) => w >= requested) || sorted[sorted.length - 1];
  canonical.width = { value: String(snapped) };
  const height = canonical.height;
  if (height && !height.multiValue && /^[1-9][0-9]{0,8}$/.test(height.value)) {
    canonical.height = {
      value: String(Math.max(1, Math.round((Number(height.value) * snapped) / requested))),
    };
  }
  return true;
}

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it by name.
function handler(event) {
  const request = event.request;
  const query = request.querystring || {};
  const canonical = {};
  for (const name of NAMES) {
    const entry = query[name];
    if (!entry) continue;
    const values = valuesOf(entry);
    canonical[name] =
      values.length === 1
        ? { value: values[0] }
        : { value: values[0], multiValue: values.map((v) => ({ value: v })) };
  }
  if (!applyWidths(canonical)) {
    request.querystring = {};
    return request;
  }
  const format = canonical.format;
  const recognised = Object.keys(canonical).length;
  if (recognised > 0 && (!format || (!format.multiValue && format.value === 'auto'))) {
    const chosen = negotiate(request.headers.accept ? request.headers.accept.value : '');
    if (chosen) canonical.format = { value: chosen };
    // No format means "the original's format": drop `auto`, unless it is all the request asked for.
    else if (format && recognised > 1) delete canonical.format;
  }
  request.querystring = canonical;
  return request;
}
