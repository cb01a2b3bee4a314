import type sharp from 'sharp';
export interface Random {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}
export interface Seed {
  name: string;
  bytes: Uint8Array;
}
export interface FuzzCase {
  index: number;
  seed: string;
  mutator: string;
  bytes: Uint8Array;
  query: string;
}
export interface Classified {
  outcome: 'image' | 'refused' | 'crash' | 'hang';
  detail: string;
  ms: number;
}
export function random(seed: number): Random;
export function seedImages(sharpModule: typeof sharp): Promise<Seed[]>;
export const MUTATORS: Record<string, (bytes: Uint8Array, r: Random) => Uint8Array>;
export function makeCase(seeds: Seed[], seed: number, index: number): FuzzCase;
export function classify(
  attempt: () => Promise<unknown>,
  isTyped: (error: unknown) => boolean,
  hangMs?: number,
): Promise<Classified>;
