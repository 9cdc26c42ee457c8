/**
 * Reference images of a text-to-image request: each cast picture (and, when keyframes chain, the previous
 * keyframe) gets a Runway tag, and the prompt names it as `@tag`. Runway's tag rule: 3–16 characters, starting with
 * a letter, then letters, digits and underscores.
 */
import type { ImageReference, ImageRequest } from '@ttv/core/backend';

/** The tag of the previous keyframe (`initImage`). */
export const INIT_TAG = 'previous';
export const TAG_PATTERN = /^[A-Za-z][A-Za-z0-9_]{2,15}$/;
const MAX_TAG = 16;

export interface TaggedImage {
  path: string;
  tag: string;
  /** What the request called it: a cast name, or `initImage`. */
  name: string;
  field: string;
}

/** A valid tag from a cast name (`Mara Oyelaran` → `Mara_Oyelaran`, `Zoë` → `Zoe`, `42` → `r42`), unique among `taken`. */
export function tagFor(name: string, taken: ReadonlySet<string>): string {
  let base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[A-Za-z]/.test(base)) base = `r${base}`;
  base = base.slice(0, MAX_TAG).replace(/_+$/, '');
  if (base.length < 3) base = `${base}_ref`;
  let tag = base;
  for (let n = 2; taken.has(tag.toLowerCase()); n++) tag = `${base.slice(0, MAX_TAG - String(n).length - 1)}_${n}`;
  return tag;
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every mention of `name` in `prompt` (whole words, any case) becomes `@tag`; false when there was none. */
function mention(prompt: string, name: string, tag: string): { prompt: string; found: boolean } {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_@])${escapeRegExp(name)}(?![\\p{L}\\p{N}_])`, 'giu');
  const replaced = prompt.replace(pattern, `@${tag}`);
  return { prompt: replaced, found: replaced !== prompt };
}

/**
 * The tagged images of a request and its prompt with the tags in it: a cast name the prompt mentions becomes
 * `@tag` in place; one it does not mention is appended (`(character @Mara)`); the previous keyframe is appended as
 * `Continue from @previous.`.
 */
export function tagReferences(request: Pick<ImageRequest, 'prompt' | 'references'>, initImage: string | undefined): { images: TaggedImage[]; prompt: string } {
  const taken = new Set<string>();
  const images: TaggedImage[] = [];
  if (initImage !== undefined) {
    taken.add(INIT_TAG);
    images.push({ path: initImage, tag: INIT_TAG, name: 'initImage', field: 'initImage' });
  }
  const refs = (request.references ?? []).map((ref: ImageReference, i) => {
    const tag = tagFor(ref.name, taken);
    taken.add(tag.toLowerCase());
    return { ref, tag, field: `references[${i}]` };
  });
  let prompt = request.prompt.trim();
  const unmentioned: string[] = [];
  // Longer names first, so that `Mara Jones` is not half-replaced by `Mara`.
  for (const { ref, tag } of [...refs].sort((a, b) => b.ref.name.length - a.ref.name.length)) {
    const m = mention(prompt, ref.name, tag);
    prompt = m.prompt;
    if (!m.found) unmentioned.push(`${ref.role} @${tag}`);
  }
  if (unmentioned.length > 0) prompt = `${prompt} (${unmentioned.join(', ')})`;
  if (initImage !== undefined) prompt = `${prompt} Continue from @${INIT_TAG}.`;
  images.push(...refs.map(({ ref, tag, field }) => ({ path: ref.path, tag, name: ref.name, field })));
  return { images, prompt };
}
