import { type CoreConfig, LIMITS } from '../config/schema.js';
import type { InputMode, ReferenceImage } from '../spec/backend.js';
import { TtvError } from '../spec/errors.js';

/** Most segments a plan may have (a bound on memory and on a mistyped totalDuration or segmentDuration). */
export const MAX_SEGMENTS = LIMITS.maxSegments;

/**
 * What a segment's first frame comes from: the film's image (`storyboard.image`), the last frame of the previous
 * segment (chaining), the previous segment's keyframe (keyframe mode), or nothing (text-only generation).
 */
export type FirstFrameSource = 'image' | 'previous-last-frame' | 'previous-keyframe' | 'previous-clip' | 'none';

export interface PlannedSegment {
  index: number;
  prompt: string;
  durationSec: number;
  negativePrompt?: string;
  seed?: number;
  /** Keyframe mode: absolute path of the image this segment ends on. */
  keyframe?: string;
  /** Pictures pinned inside the segment (`storyboard.segments[i].keyframesAt`), for models with timed keyframes. */
  keyframesAt?: Array<{ path: string; atSec: number; key: string }>;
  /** Keyframe mode without a keyframe image: the still the image generator makes for the segment to end on. */
  keyframePrompt?: string;
  /** The segment's own text (its prompt as written or planned), when `prompt` also carries cast descriptions. */
  text?: string;
  /** Names of the `cast` members the segment mentions (their descriptions are in `prompt` and `keyframePrompt`). */
  cast?: string[];
  /**
   * The pictures of the cast members the segment shows (or its `references` names), for video models that take
   * references; `required` ones move the segment to a backend whose model takes them.
   */
  references?: Array<ReferenceImage & { required: boolean; key: string }>;
  /** The input mode the engine asks backends for: text, first-frame (chaining) or first-last-frame (keyframe). */
  input: InputMode;
  /** Where the segment's first frame comes from. */
  firstFrame: FirstFrameSource;
  /** The config key the segment's prompt comes from, e.g. `storyboard.segments[3].prompt` or `storyboard.prompt`. */
  promptKey: string;
  /** The config key of `keyframe`, e.g. `storyboard.segments[3].keyframe` or `storyboard.keyframes[2]`. */
  keyframeKey?: string;
}

export interface Plan {
  mode: CoreConfig['mode'];
  /** Absolute path of the film's first frame, when given. */
  image?: string;
  /** Keyframe mode without `image`: the still the image generator makes for the film to start from. */
  imagePrompt?: string;
  segments: PlannedSegment[];
  totalDurationSec: number;
}

/** Splits text into sentences, keeping their punctuation; blank lines also end a sentence. */
export function splitSentences(text: string): string[] {
  return text
    .replace(/\r\n/g, '\n')
    .split(/\n\s*\n/)
    .flatMap(
      (para) =>
        para
          .replace(/\s+/g, ' ')
          .trim()
          .match(/[^.!?]+(?:[.!?]+["'”’)]*|$)/g) ?? [],
    )
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Splits `sentences` into `n` consecutive groups with character counts as even as possible (deterministic).
 * When there are fewer sentences than groups, a sentence spans several consecutive segments.
 */
export function groupSentences(sentences: string[], n: number): string[] {
  if (sentences.length <= n) {
    return Array.from({ length: n }, (_, i) => sentences[Math.floor((i * sentences.length) / n)]!);
  }
  const total = sentences.reduce((a, s) => a + s.length, 0);
  const groups: string[] = [];
  let current: string[] = [];
  let consumed = 0;
  for (let i = 0; i < sentences.length; i++) {
    const s = sentences[i]!;
    current.push(s);
    consumed += s.length;
    const groupsLeft = n - groups.length - 1;
    const sentencesLeft = sentences.length - i - 1;
    const target = (total * (groups.length + 1)) / n;
    if (groupsLeft > 0 && (consumed >= target || sentencesLeft === groupsLeft)) {
      groups.push(current.join(' '));
      current = [];
    }
  }
  if (current.length > 0) groups.push(current.join(' '));
  return groups;
}

function tooManySegments(n: number, field: string, value: unknown): TtvError {
  return new TtvError('CONFIG_INVALID', `${field}: the plan would have ${n} segments; ttv plans at most ${MAX_SEGMENTS}`, {
    field,
    value,
    fix: `shorten storyboard.totalDuration or raise segmentDuration so the film has at most ${MAX_SEGMENTS} segments (or make several films)`,
  });
}

/**
 * Turns the storyboard into segments. Explicit segments are taken as written; one long `prompt` is split by the
 * built-in planner: sentences grouped into `round(totalDuration / segmentDuration)` segments (or one per
 * sentence, or one per keyframe), each `totalDuration / n` seconds long. Same input, same plan.
 */
export function planStoryboard(core: CoreConfig, options: PlanOptions = {}): Plan {
  const sb = core.storyboard;
  const textToVideo = options.textToVideo ?? true;
  const input = inputOf(core, textToVideo);
  const segments = sb.segments ? explicitSegments(core, sb.segments, input) : scriptSegments(core, input);
  if (core.mode !== 'keyframe') checkNoKeyframes(core);
  const keyframeMode = core.mode === 'keyframe';
  const withStills = keyframeMode
    ? segments.map((s, i) => (s.keyframe ? s : { ...s, keyframePrompt: keyframePromptOf(s.prompt, sb.segments?.[i]?.keyframePrompt) }))
    : segments;
  const withCast = core.cast.length > 0 ? withStills.map((s, i) => withReferences(withCastDescriptions(s, core.cast), core, i)) : withStills;
  return {
    mode: core.mode,
    ...(sb.image ? { image: sb.image } : {}),
    ...((keyframeMode || !textToVideo) && !sb.image ? { imagePrompt: firstFramePromptOf(segments[0]!.prompt) } : {}),
    segments: withCast,
    totalDurationSec: segments.reduce((a, s) => a + s.durationSec, 0),
  };
}

type SegmentInputOf = (index: number) => Pick<PlannedSegment, 'input' | 'firstFrame'>;

/** The input mode of segment `index` and where its first frame comes from. */
function inputOf(core: CoreConfig, textToVideo: boolean): SegmentInputOf {
  const keyframeMode = core.mode === 'keyframe';
  // Without a film image, segment 0 starts from text, or from a first frame made from text when no backend of
  // the chain can start from text.
  const image = core.storyboard.image !== undefined || !textToVideo;
  return (index) => {
    if (keyframeMode) return { input: 'first-last-frame', firstFrame: index === 0 ? 'image' : 'previous-keyframe' };
    if (index > 0 && core.mode === 'extend') return { input: 'extend', firstFrame: 'previous-clip' };
    if (index > 0) return { input: 'first-frame', firstFrame: 'previous-last-frame' };
    return image ? { input: 'first-frame', firstFrame: 'image' } : { input: 'text', firstFrame: 'none' };
  };
}

export interface PlanOptions {
  /**
   * Whether a backend of the chain can start a segment from text alone (default true; see `chainTakesText`).
   * When not, a chaining film without `storyboard.image` starts from a first frame the image generator makes.
   */
  textToVideo?: boolean;
}

/** `storyboard.segments`, taken as written (every prompt must say something). */
function explicitSegments(core: CoreConfig, written: NonNullable<CoreConfig['storyboard']['segments']>, input: SegmentInputOf): PlannedSegment[] {
  if (written.length > MAX_SEGMENTS) throw tooManySegments(written.length, 'storyboard.segments', written.length);
  return written.map((s, index) => {
    const prompt = s.prompt.trim();
    if (prompt === '') {
      throw new TtvError('CONFIG_INVALID', `storyboard.segments[${index}].prompt is blank: every segment needs a prompt`, {
        field: `storyboard.segments[${index}].prompt`,
        value: s.prompt,
        fix: `write what happens in segment ${index}, or remove the segment`,
      });
    }
    return {
      index,
      prompt,
      durationSec: s.duration ?? core.segmentDuration,
      ...(s.negativePrompt ? { negativePrompt: s.negativePrompt } : {}),
      ...(s.seed !== undefined ? { seed: s.seed } : core.seed !== undefined ? { seed: core.seed + index } : {}),
      ...(s.keyframe ? { keyframe: s.keyframe, keyframeKey: `storyboard.segments[${index}].keyframe` } : {}),
      ...(s.keyframesAt ? { keyframesAt: timedKeyframes(s.keyframesAt, s.duration ?? core.segmentDuration, index) } : {}),
      ...input(index),
      promptKey: `storyboard.segments[${index}].prompt`,
    };
  });
}

/** A segment's timed keyframes, each inside the segment (0 < at < duration), in time order. */
function timedKeyframes(written: Array<{ image: string; at: number }>, durationSec: number, index: number): NonNullable<PlannedSegment['keyframesAt']> {
  return written
    .map((k, j) => {
      const key = `storyboard.segments[${index}].keyframesAt[${j}]`;
      if (!(k.at > 0 && k.at < durationSec)) {
        throw new TtvError('CONFIG_INVALID', `${key}.at is ${k.at} s: a timed keyframe lies inside the segment (between 0 and ${durationSec} s)`, {
          field: `${key}.at`,
          value: k.at,
          fix: `use a time between 0 and ${durationSec} s, or make it the segment's keyframe (its last frame)`,
        });
      }
      return { path: k.image, atSec: k.at, key: `${key}.image` };
    })
    .sort((a, b) => a.atSec - b.atSec);
}

/** One long `storyboard.prompt`, split into sentence groups: one per keyframe, per segment duration or per sentence. */
function scriptSegments(core: CoreConfig, input: SegmentInputOf): PlannedSegment[] {
  const sb = core.storyboard;
  const sentences = splitSentences(sb.prompt ?? '');
  if (sentences.length === 0) {
    throw new TtvError('CONFIG_INVALID', 'storyboard.prompt has no sentences to plan from', {
      field: 'storyboard.prompt',
      value: sb.prompt,
      fix: 'write the script as sentences ending in ".", "!" or "?"',
    });
  }
  const keyframes = sb.keyframes ?? [];
  let n: number;
  if (core.mode === 'keyframe' && keyframes.length > 0) n = keyframes.length;
  else if (sb.totalDuration) n = Math.max(1, Math.round(sb.totalDuration / core.segmentDuration));
  else n = sentences.length;
  if (n > MAX_SEGMENTS) {
    throw tooManySegments(n, sb.totalDuration ? 'storyboard.totalDuration' : 'storyboard.prompt', sb.totalDuration ?? `${sentences.length} sentences`);
  }
  const duration = sb.totalDuration ? sb.totalDuration / n : core.segmentDuration;
  return groupSentences(sentences, n).map((prompt, index) => ({
    index,
    prompt,
    durationSec: Number(duration.toFixed(3)),
    ...(core.seed !== undefined ? { seed: core.seed + index } : {}),
    ...(keyframes[index] ? { keyframe: keyframes[index], keyframeKey: `storyboard.keyframes[${index}]` } : {}),
    ...input(index),
    promptKey: 'storyboard.prompt',
  }));
}

/** Chaining mode: a keyframe anywhere is a mistake (it would be ignored). */
function checkNoKeyframes(core: CoreConfig): void {
  const sb = core.storyboard;
  const withKeyframe = sb.segments?.findIndex((s) => s.keyframe !== undefined) ?? -1;
  if (withKeyframe >= 0 || (sb.keyframes && sb.keyframes.length > 0)) {
    const field = withKeyframe >= 0 ? `storyboard.segments[${withKeyframe}].keyframe` : 'storyboard.keyframes';
    throw new TtvError('CONFIG_INVALID', `${field}: keyframes are only used in keyframe mode, but mode is chaining`, {
      field,
      fix: 'set `mode: keyframe` to generate between keyframes, or remove the keyframes to chain from the last frame',
    });
  }
}

/** The cast members a text names (whole words, any case), in cast order. */
export function castIn<Member extends { name: string }>(text: string, cast: readonly Member[]): Member[] {
  const word = (name: string) => new RegExp(`(^|[^\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}\\p{N}])`, 'iu');
  return cast.filter((m) => word(m.name).test(text));
}

/**
 * Each segment is generated with no knowledge of the others: the full description of every cast member it names is
 * repeated in its prompt and in its keyframe prompt (the segment's own text stays in `text`, e.g. for subtitles).
 */
function withCastDescriptions(s: PlannedSegment, cast: CoreConfig['cast']): PlannedSegment {
  const present = castIn(`${s.prompt} ${s.keyframePrompt ?? ''}`, cast);
  if (present.length === 0) return s;
  return {
    ...s,
    text: s.prompt,
    prompt: withDescriptions(s.prompt, present),
    ...(s.keyframePrompt ? { keyframePrompt: withDescriptions(s.keyframePrompt, present) } : {}),
    cast: present.map((m) => m.name),
  };
}

/** The segment's reference pictures: the cast members it shows and those its `references` name, that have a picture. */
function withReferences(s: PlannedSegment, core: CoreConfig, index: number): PlannedSegment {
  const named = core.storyboard.segments?.[index]?.references ?? [];
  const members = [...(s.cast ?? [])];
  named.forEach((name, j) => {
    const member = core.cast.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (!member) {
      throw new TtvError('CONFIG_INVALID', `storyboard.segments[${index}].references[${j}] names "${name}", who is not in the cast`, {
        field: `storyboard.segments[${index}].references[${j}]`,
        value: name,
        fix: `use one of the cast names (${core.cast.map((m) => m.name).join(', ') || 'the cast is empty'}), or add "${name}" to cast`,
      });
    }
    if (!members.includes(member.name)) members.push(member.name);
  });
  const references = members.flatMap((name) => {
    const i = core.cast.findIndex((c) => c.name === name);
    const m = core.cast[i];
    return m?.image ? [{ path: m.image, role: m.kind, name: m.name, required: m.required, key: `cast[${i}].image` }] : [];
  });
  return references.length > 0 ? { ...s, references } : s;
}

/**
 * `text` followed by the full description of each of `present` (`Name: description.`); a description the text
 * already repeats (as a planner is told to) is not added twice.
 */
export function withDescriptions(text: string, present: ReadonlyArray<{ name: string; description: string }>): string {
  const bare = (d: string) => d.replace(/[.\s]+$/, '');
  const notes = present.filter((m) => !text.toLowerCase().includes(bare(m.description).toLowerCase())).map((m) => `${m.name}: ${bare(m.description)}.`);
  return [text, ...notes].join(' ');
}

/**
 * The still a keyframe-mode segment ends on, for the image generator: the written `keyframePrompt`, else the
 * segment's last sentence as a still (no camera movement: a keyframe is one moment).
 */
export function keyframePromptOf(prompt: string, written?: string): string {
  if (written?.trim()) return written.trim();
  const last = splitSentences(prompt).at(-1) ?? prompt;
  return `Still frame, no camera movement: ${last}`;
}

/** The still the film starts from when the storyboard gives no image: the first sentence of the first segment. */
export function firstFramePromptOf(prompt: string): string {
  const first = splitSentences(prompt)[0] ?? prompt;
  return `Opening still frame, no camera movement: ${first}`;
}
