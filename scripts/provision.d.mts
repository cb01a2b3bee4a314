export interface Need {
  pkg: string;
  command?: string;
  file?: string;
}
export interface Missing {
  packages: string[];
  debSrc: boolean;
}
export type Decision =
  | { action: 'ready' }
  | { action: 'install'; steps: string[][]; message: string }
  | { action: 'stop'; message: string };
export const DEBIAN_SOURCES: string;
export function needs(env?: Record<string, string | undefined>, arch?: string): Need[];
export function missing(look: {
  exists: (file: string) => boolean;
  hasCommand: (name: string) => boolean;
  sources: string | undefined;
  env?: Record<string, string | undefined>;
  arch?: string;
}): Missing;
export function plan(missing: Missing, can: { root: boolean; sudo: boolean; aptGet: boolean }): Decision;
export function onPath(name: string, PATH?: string): boolean;
