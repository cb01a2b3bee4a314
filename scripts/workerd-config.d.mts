export function workerdConfig(options: {
  dir: string;
  port: number;
  origin: string;
  secret?: string;
  compatibilityDate?: string;
}): string;
