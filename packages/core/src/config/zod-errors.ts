import type { z } from 'zod';
import { TtvError } from '../spec/errors.js';
import { redact } from '../util/secrets.js';
import { suggest } from '../util/suggest.js';

export function formatPath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(root)';
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value);
  return redact(s.length > 80 ? `${s.slice(0, 77)}...` : s);
}

/** Turns zod issues into one CONFIG_INVALID error that names each path, the value found and the fix. */
export function zodToConfigError(
  error: z.ZodError,
  root: unknown,
  options: { prefix?: string; file?: string; knownKeys?: (path: ReadonlyArray<PropertyKey>) => string[] } = {},
): TtvError {
  const lines: string[] = [];
  const fixes: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = formatPath([...issue.path, key], options.prefix);
        const candidates = options.knownKeys?.(issue.path) ?? [];
        const hint = suggest(key, candidates);
        lines.push(`${path}: unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}`);
        fixes.push(hint ? `rename "${key}" to "${hint}"` : `remove "${key}"${candidates.length ? `; allowed here: ${candidates.join(', ')}` : ''}`);
      }
      continue;
    }
    const path = formatPath(issue.path, options.prefix);
    const value = valueAt(root, issue.path);
    lines.push(`${path}: ${issue.message} (found ${show(value)})`);
    if (issue.code === 'invalid_value' && 'values' in issue) {
      fixes.push(`set ${path} to one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
    } else if (issue.code === 'too_big' && typeof issue.maximum === 'number' && typeof value === 'number') {
      fixes.push(`set ${path} to at most ${issue.maximum}`);
    } else if (issue.code === 'too_small' && typeof issue.minimum === 'number' && typeof value === 'number') {
      fixes.push(`set ${path} to at least ${issue.minimum}`);
    } else if (value === undefined) {
      fixes.push(`add ${path}`);
    } else {
      fixes.push(`correct ${path}`);
    }
  }
  const where = options.file ? `${options.file}: ` : '';
  const first = error.issues[0];
  return new TtvError('CONFIG_INVALID', `${where}invalid configuration:\n  - ${lines.join('\n  - ')}`, {
    field: first ? formatPath(first.path, options.prefix) : undefined,
    value: first ? redact(JSON.stringify(valueAt(root, first.path)) ?? 'undefined') : undefined,
    fix: [...new Set(fixes)].join('; '),
  });
}
