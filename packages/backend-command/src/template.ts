import type { ArgTemplate } from './command-models.js';

const PLACEHOLDER = /\{(\w+)\}/g;

/** The strings of one template entry: the argument, the optional group's, or the repeated group's. */
const stringsOf = (a: ArgTemplate): readonly string[] => (typeof a === 'string' ? [a] : Array.isArray(a) ? a : a.args);

/** Every placeholder name used in a template. */
export function placeholders(args: readonly ArgTemplate[]): Set<string> {
  const names = new Set<string>();
  for (const a of args) for (const s of stringsOf(a)) for (const m of s.matchAll(PLACEHOLDER)) names.add(m[1]!);
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
  'inputVideo',
  'keyframe',
  'keyframeIndex',
] as const;

/** Placeholders that have a value only inside a `{ each: 'keyframes' }` group (one per timed keyframe). */
export const KEYFRAME_PLACEHOLDERS = ['keyframe', 'keyframeIndex'] as const;

/** The values of one timed keyframe: its picture and the frame index it is pinned at. */
export interface KeyframeValues {
  keyframe: string;
  keyframeIndex: string;
}

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

/** An optional group: its arguments, or none when one of its placeholders has no value. */
function optional(group: readonly string[], values: Record<string, string | undefined>): string[] {
  try {
    return group.map((s) => fill(s, values));
  } catch (e) {
    if (!(e instanceof MissingPlaceholder)) throw e;
    return [];
  }
}

/**
 * Expands a template into an argument vector. Each string is one argument (never split on spaces, never passed
 * to a shell); a nested list is an optional group, dropped when any of its placeholders has no value; a
 * `{ each: 'keyframes', args }` group is repeated once per timed keyframe (with `{keyframe}` and `{keyframeIndex}`),
 * and dropped without any. A placeholder without a value outside a group throws MissingPlaceholder.
 */
export function expandArgs(args: readonly ArgTemplate[], values: Record<string, string | undefined>, keyframes: readonly KeyframeValues[] = []): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (typeof a === 'string') out.push(fill(a, values));
    else if (Array.isArray(a)) out.push(...optional(a, values));
    else for (const k of keyframes) out.push(...a.args.map((s) => fill(s, { ...values, ...k })));
  }
  return out;
}

/** `*.mp4`-style glob (only `*` and `?`) to a whole-name regex. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '[^/]*')
    .replaceAll('?', '[^/]');
  return new RegExp(`^${body}$`);
}
