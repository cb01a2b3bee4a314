/** edge-resizer/fetch: the Web-standard fetch handler (Workers, Deno, Bun, Node). */
export * from './adapters/fetch/index.js';
