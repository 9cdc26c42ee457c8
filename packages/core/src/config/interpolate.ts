import { TtvError } from '../spec/errors.js';
import { registerSecret, SECRET_ENV_NAME } from '../util/secrets.js';
import { formatPath } from './zod-errors.js';

const PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$\{/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document. `$${` escapes a literal
 * `${`. A missing variable without a default is a CONFIG_INVALID error naming the key and the variable.
 * Values of variables whose names look secret (KEY, SECRET, TOKEN, …) are registered for redaction.
 */
export function interpolateEnv(value: unknown, env: NodeJS.ProcessEnv, file?: string, path: PropertyKey[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$${') return '${';
      const v = env[name!];
      if (v === undefined || v === '') {
        if (fallback !== undefined) return fallback;
        const where = formatPath(path);
        throw new TtvError('CONFIG_INVALID', `${file ? `${file}: ` : ''}${where}: environment variable ${name} is not set (used as ${match})`, {
          field: where,
          value: match,
          fix: `export ${name}=… before running ttv, or write \${${name}:-default} to give a default`,
        });
      }
      if (SECRET_ENV_NAME.test(name!)) registerSecret(v);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, file, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, file, [...path, k])]));
  }
  return value;
}
