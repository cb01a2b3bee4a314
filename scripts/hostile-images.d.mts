import type { Random } from './fuzz-lib.mjs';
export function pngChunk(type: string, data?: Uint8Array, length?: number): Uint8Array;
export function pngFile(options?: {
  width?: number;
  height?: number;
  before?: Uint8Array[];
  after?: Uint8Array[];
  header?: { width?: number; height?: number };
}): Uint8Array;
export function pngTextBomb(type: 'zTXt' | 'iTXt', inflated: number): Uint8Array;
export function pngTextFlood(type: 'zTXt' | 'iTXt', count: number, inflated?: number): Uint8Array;
export function pngUnknownFlood(count: number, type?: string): Uint8Array;
export function pngIccpBomb(size: number): Uint8Array;
export interface GifFrame {
  left: number;
  top: number;
  width: number;
  height: number;
}
export function gifFile(options?: {
  screen?: { width: number; height: number };
  frame?: GifFrame;
  extensions?: Uint8Array[];
  index?: (x: number, y: number) => number;
  data?: Uint8Array;
  trailer?: boolean;
}): Uint8Array;
export function subBlocks(data: Uint8Array, size?: number): Uint8Array;
export function gifExtension(label: number, data: Uint8Array, size?: number): Uint8Array;
export function gifCommentFlood(count: number): Uint8Array;
export function gifHugeFrame(side: number, screen?: number): Uint8Array;
export function pngHostile(r: Random): Uint8Array;
export function gifHostile(r: Random): Uint8Array;
