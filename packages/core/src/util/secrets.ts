/**
 * Secret redaction. Every value that came from a secret field of a backend's config (or from an environment
 * variable whose name looks secret) is registered here; `redact` replaces each with `***` in any text ttv is
 * about to write or print: logs, errors, manifests, copies of the config.
 */
const secrets = new Set<string>();

/** Names of environment variables whose values are treated as secrets when interpolated into the config. */
export const SECRET_ENV_NAME = /(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact random substrings; real credentials are long.
  if (typeof value === 'string' && value.length >= 6) secrets.add(value);
}

export function registeredSecretCount(): number {
  return secrets.size;
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/** Deep copy of a JSON-like value with every registered secret (and every value under a secret key) masked. */
export function redactDeep<T>(value: T, secretKeys: ReadonlySet<string> = new Set()): T {
  const walk = (v: unknown, key?: string): unknown => {
    if (key !== undefined && secretKeys.has(key) && v !== undefined && v !== null) return '***';
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x, k)]));
    }
    return v;
  };
  return walk(value) as T;
}
