// Byte helpers shared by the fuzzing engine and the hostile-file generators.

/** One Uint8Array holding the parts in order. */
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
