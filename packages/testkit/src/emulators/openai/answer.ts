/**
 * The emulated language model, shared by the OpenAI and Gemini emulators: deterministic answers built from the
 * prompt it received. Asked for JSON with a schema that has a `segments` array, it plans a storyboard from the
 * script in the prompt (the text between `<script>` and `</script>`, else the last user message): its sentences
 * grouped into the number of segments the prompt asks for ("exactly N segments" or "about N segments", else one a sentence), each with
 * the cast descriptions the prompt lists (`<cast>` lines `- Name (kind): description`) repeated in full. Any other
 * schema is filled with placeholder values of the right types; plain text requests get a rewrite of the text
 * between `<prompt>` and `</prompt>` (a refused prompt reworded), else an echo.
 */
import type { ModelFault } from './model-faults.js';

export type JsonSchema = Record<string, unknown>;

/** What the model answers: the text, and whether it stopped on the token limit or refused. */
export interface ModelAnswer {
  text: string;
  finish: 'stop' | 'length' | 'refusal';
}

export function splitSentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Splits `items` into `n` consecutive groups of sizes as even as possible (n ≤ items.length). */
function groups<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = Math.round(((i + 1) * items.length) / n);
    out.push(items.slice(start, end));
    start = end;
  }
  return out;
}

interface CastLine {
  name: string;
  description: string;
}

function parseCast(prompt: string): CastLine[] {
  const block = /<cast>([\s\S]*?)<\/cast>/.exec(prompt)?.[1] ?? '';
  return [...block.matchAll(/^\s*-\s*([^(:\n]+?)\s*(?:\([^)]*\))?\s*:\s*(.+)$/gm)].map((m) => ({ name: m[1]!.trim(), description: m[2]!.trim() }));
}

export interface StoryboardSegment {
  prompt: string;
  keyframePrompt: string;
  durationSec: number;
  cast: string[];
}

/** The storyboard the emulated model writes for a prompt (pure, deterministic). */
export function planFromPrompt(prompt: string): StoryboardSegment[] {
  const script = /<script>([\s\S]*?)<\/script>/.exec(prompt)?.[1] ?? prompt;
  const sentences = splitSentences(script);
  if (sentences.length === 0) return [];
  const exact = /(?:exactly|about) (\d+) segments?/i.exec(prompt);
  const max = /at most (\d+) segments?/i.exec(prompt);
  let n = exact ? Number(exact[1]) : sentences.length;
  if (max) n = Math.min(n, Number(max[1]));
  n = Math.max(1, Math.min(n, sentences.length));
  const duration = Number(/(\d+(?:\.\d+)?) seconds? (?:each|per segment)/i.exec(prompt)?.[1] ?? 5);
  const cast = parseCast(prompt);
  return groups(sentences, n).map((group) => {
    const text = group.join(' ');
    const present = cast.filter((c) => text.toLowerCase().includes(c.name.toLowerCase()));
    const described = present.map((c) => `${c.name}: ${c.description}.`).join(' ');
    return {
      prompt: [described, text, 'Slow dolly-in, eye-level, medium shot.'].filter(Boolean).join(' '),
      keyframePrompt: [described, `Still frame, no camera movement: ${group[group.length - 1]}`].filter(Boolean).join(' '),
      durationSec: duration,
      cast: present.map((c) => c.name),
    };
  });
}

function types(schema: JsonSchema): string[] {
  const t = schema['type'];
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** A placeholder value of the schema's type (first enum value, first non-null branch). */
export function fillSchema(schema: JsonSchema, key = ''): unknown {
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if ('const' in schema) return schema['const'];
  const branches = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (branches) return fillSchema(branches.find((b) => !types(b).includes('null')) ?? branches[0]!, key);
  const t = types(schema).find((x) => x !== 'null') ?? 'object';
  if (t === 'string') return `emulated ${key || 'text'}`;
  if (t === 'number' || t === 'integer') return typeof schema['minimum'] === 'number' ? schema['minimum'] : 1;
  if (t === 'boolean') return true;
  if (t === 'array') return [fillSchema((schema['items'] as JsonSchema) ?? {}, key)];
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fillSchema(s, k)]));
}

/** The value of a segment's property, chosen by its name. */
function segmentValue(key: string, segment: StoryboardSegment, schema: JsonSchema): unknown {
  if (/keyframe/i.test(key)) return segment.keyframePrompt;
  if (/prompt/i.test(key)) return segment.prompt;
  if (/duration/i.test(key)) return segment.durationSec;
  if (/cast|character/i.test(key)) return segment.cast;
  return fillSchema(schema, key);
}

/** The JSON value the model answers for a schema and a prompt. */
export function answerForSchema(schema: JsonSchema, prompt: string): unknown {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const segmentsSchema = props['segments'];
  if (!segmentsSchema || !types(segmentsSchema).includes('array')) return fillSchema(schema);
  const item = (segmentsSchema['items'] ?? {}) as JsonSchema;
  const itemProps = (item['properties'] ?? {}) as Record<string, JsonSchema>;
  const segments = planFromPrompt(prompt).map((segment) => Object.fromEntries(Object.entries(itemProps).map(([k, s]) => [k, segmentValue(k, segment, s)])));
  return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, k === 'segments' ? segments : fillSchema(s, k)]));
}

/** The plain-text answer: a restrained rewrite of the `<prompt>` the request quotes, else an echo of its last line. */
export function answerText(prompt: string): string {
  const quoted = /<prompt>([\s\S]*?)<\/prompt>/.exec(prompt)?.[1]?.trim();
  if (quoted !== undefined)
    return `A calm, non-graphic depiction: ${quoted.replace(/\b(blood|gore|kill\w*|violent\w*|weapon\w*)\b/gi, '').replace(/\s{2,}/g, ' ')}`;
  const lines = prompt.trim().split('\n');
  return `Emulated answer to: ${lines[lines.length - 1]!.slice(0, 200)}`;
}

/** Breaks a valid answer the way the fault says (structured output faults only). */
function breakAnswer(text: string, fault: ModelFault): ModelAnswer {
  switch (fault.kind) {
    case 'invalid-json':
      return { text: 'Here is the storyboard you asked for: segments one, two and three.', finish: 'stop' };
    case 'fenced-json':
      return { text: `Sure! Here it is:\n\`\`\`json\n${text}\n\`\`\``, finish: 'stop' };
    case 'truncated':
      return { text: text.slice(0, Math.max(1, Math.floor(text.length / 2))), finish: 'length' };
    case 'schema-violation': {
      const value = JSON.parse(text) as unknown;
      stripOneKey(value);
      return { text: JSON.stringify(value), finish: 'stop' };
    }
    default:
      return { text, finish: 'stop' };
  }
}

/** Removes, from every object in arrays, the key naming a keyframe (else its last key): a required field missing. */
function stripOneKey(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === 'object' && !Array.isArray(item)) {
        const keys = Object.keys(item);
        const key = keys.find((k) => /keyframe/i.test(k)) ?? keys[keys.length - 1];
        if (key) delete (item as Record<string, unknown>)[key];
      }
    }
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) stripOneKey(v);
  }
}

/** What the model says to a request: JSON for a schema (or `{}`-ish JSON without one), else text; faults applied. */
export function modelAnswer(prompt: string, format: { json: boolean; schema?: JsonSchema }, fault?: ModelFault): ModelAnswer {
  if (fault?.kind === 'refusal') return { text: fault.refusal ?? "I'm sorry, but I can't help with that request.", finish: 'refusal' };
  if (!format.json) return { text: answerText(prompt), finish: 'stop' };
  const text = JSON.stringify(format.schema ? answerForSchema(format.schema, prompt) : { answer: answerText(prompt) });
  return fault ? breakAnswer(text, fault) : { text, finish: 'stop' };
}

/** Tokens the emulator counts for a text (≈ 4 characters a token, at least 1). */
export function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
