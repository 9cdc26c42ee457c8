/**
 * Secret redaction. Every value that came from a secret field of a backend's config (or from an environment
 * variable whose name looks secret) is registered here; `redact` replaces each with `***` in any text ttv is
 * about to write or print: logs, errors, manifests, copies of the config.
 */
/**
 * One registry per process, even when two copies of @ttv/core are installed (the CLI's and a plugin's): it lives on
 * `globalThis` under a `Symbol.for` key, as TtvError's marker does, so a secret one copy registers is masked by both.
 */
const REGISTRY = Symbol.for('ttv.secrets');
const secrets: Set<string> = ((globalThis as Record<symbol, unknown>)[REGISTRY] as Set<string> | undefined) ?? new Set<string>();
(globalThis as Record<symbol, unknown>)[REGISTRY] = secrets;

/** Names of environment variables whose values are treated as secrets when interpolated into the config. */
export const SECRET_ENV_NAME = /(KEY|SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact random substrings; real credentials are long.
  if (typeof value === 'string' && value.length >= 6) secrets.add(value);
}

export function registeredSecretCount(): number {
  return secrets.size;
}

/** `scheme://user:password@` in a URL: the password is masked wherever ttv prints or writes text. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]+)@/gi;

/**
 * Registers the passwords of every `scheme://user:password@host` URL found in the strings of a JSON-like value
 * (e.g. a backend's `baseUrl`), so that `redact` masks them even where they are not printed as a URL.
 */
export function registerUrlCredentials(value: unknown): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(URL_CREDENTIALS)) {
      try {
        registerSecret(decodeURIComponent(m[3]!));
      } catch {
        // not valid percent-encoding: the raw form is registered below
      }
      registerSecret(m[3]);
    }
  } else if (Array.isArray(value)) value.forEach(registerUrlCredentials);
  else if (value && typeof value === 'object') Object.values(value).forEach(registerUrlCredentials);
}

export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, '$1$2:***@');
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * `JSON.stringify(value, null, indent)` with every registered secret masked: the same result as stringifying
 * `redactDeep(value)` for string values, in one pass over the text (the manifest is written on every state
 * change, so this is on the engine's hot path). Each secret is masked as it appears in JSON, escaped.
 */
export function stringifyRedacted(value: unknown, indent?: number): string {
  let out = JSON.stringify(value, null, indent).replace(URL_CREDENTIALS, '$1$2:***@');
  for (const secret of secrets) {
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (out.includes(escaped)) out = out.split(escaped).join('***');
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
