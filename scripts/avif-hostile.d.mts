import type { Random } from './fuzz-lib.mjs';
export function box(type: string, ...payload: Uint8Array[]): Uint8Array;
export function isAvif(bytes: Uint8Array): boolean;
export function withMeta(
  avif: Uint8Array,
  edit: (children: { type: string; bytes: Uint8Array }[]) => { type: string; bytes: Uint8Array }[],
): Uint8Array;
export function irefFlood(avif: Uint8Array, references: number): Uint8Array;
export function itemFlood(avif: Uint8Array, items: number): Uint8Array;
export function locationFlood(avif: Uint8Array, items: number, extents: number): Uint8Array;
export function propertyFlood(avif: Uint8Array, properties: number): Uint8Array;
export function associationFlood(avif: Uint8Array, entries: number): Uint8Array;
export function nestedBoxes(type: string, depth: number): Uint8Array;
export function nested(avif: Uint8Array, depth: number, where?: 'top' | 'property'): Uint8Array;
export function withIspe(avif: Uint8Array, width: number, height: number): Uint8Array;
export function sizesDisagree(
  avif: Uint8Array,
  kind: 'overrun' | 'zero' | 'large',
  pick?: number,
): Uint8Array;
export function avifHostile(bytes: Uint8Array, r: Random): Uint8Array;
