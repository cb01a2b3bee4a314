export function profilesOf(text: string): string[];
export type CredentialCheck = { source: string } | { problem: string; fix: string };
export function credentialSource(
  env: Record<string, string | undefined>,
  home?: string,
  imds?: boolean,
): CredentialCheck;
export function instanceRoleAnswers(
  env: Record<string, string | undefined>,
  timeoutMs?: number,
): Promise<boolean>;
