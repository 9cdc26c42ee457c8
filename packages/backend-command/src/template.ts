import type { ArgTemplate } from './command-models.js';

const PLACEHOLDER = /\{(\w+)\}/g;

/** Every placeholder name used in a template. */
export function placeholders(args: readonly ArgTemplate[]): Set<string> {
  const names = new Set<string>();
  for (const a of args) for (const s of Array.isArray(a) ? a : [a]) for (const m of s.matchAll(PLACEHOLDER)) names.add(m[1]!);
  return names;
}

/** The built-in placeholders filled from the request. */
export const REQUEST_PLACEHOLDERS = [
  'prompt',
  'image',
  'lastImage',
  'seconds',
  'frames',
  'fps',
  'width',
  'height',
  'seed',
  'output',
  'outputDir',
  'lastFrameIndex',
  'negativePrompt',
] as const;

export class MissingPlaceholder extends Error {
  constructor(
    readonly placeholder: string,
    readonly arg: string,
  ) {
    super(`placeholder {${placeholder}} in "${arg}" has no value`);
  }
}

function fill(s: string, values: Record<string, string | undefined>): string {
  return s.replace(PLACEHOLDER, (_whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new MissingPlaceholder(name, s);
    return v;
  });
}

/**
 * Expands a template into an argument vector. Each string is one argument (never split on spaces, never passed
 * to a shell); a nested list is an optional group, dropped when any of its placeholders has no value. A
 * placeholder without a value outside a group throws MissingPlaceholder.
 */
export function expandArgs(args: readonly ArgTemplate[], values: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (Array.isArray(a)) {
      try {
        out.push(...a.map((s) => fill(s, values)));
      } catch (e) {
        if (!(e instanceof MissingPlaceholder)) throw e;
      }
    } else {
      out.push(fill(a, values));
    }
  }
  return out;
}

/** A seed derived from the prompt and segment index, for requests without one (reproducible reruns). */

/** `*.mp4`-style glob (only `*` and `?`) to a whole-name regex. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]');
  return new RegExp(`^${body}$`);
}
