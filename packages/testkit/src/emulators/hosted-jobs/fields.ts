/**
 * A small schema checker for the fal and Replicate emulators' model inputs: each model lists its fields (type,
 * enum, range, length, lists of images or of objects) and which are required; unknown fields are refused (stricter
 * than the real services, which may ignore them, so a backend that sends a field a model does not take is caught in
 * tests), and a model's own rule across fields (`check`) runs once the fields are valid. Nested fields are named
 * with dots (`elements.0.frontal_image_url`).
 */
import { imageInput } from './service.js';

export type FieldRule =
  | { type: 'string'; maxLength?: number }
  | { type: 'enum'; values: readonly (string | number)[] }
  | { type: 'boolean' }
  | { type: 'number'; min?: number; max?: number; integer?: boolean }
  | { type: 'image' }
  | { type: 'imageList'; min?: number; max?: number }
  | { type: 'objectList'; schema: InputSchema; min?: number; max?: number };

export interface InputSchema {
  fields: Record<string, FieldRule>;
  required: readonly string[];
  /** The model's rules across fields (e.g. reference pictures only at 8 s), checked once every field is valid. */
  check?(input: Record<string, unknown>): FieldIssue[];
}

export interface FieldIssue {
  field: string;
  /** pydantic-style type: missing, extra_forbidden, literal_error, string_too_long, … */
  type: string;
  message: string;
}

/** A list's own problems (not a list, too short, too long), or undefined. */
function checkList(name: string, rule: { min?: number; max?: number }, value: unknown): FieldIssue | undefined {
  if (!Array.isArray(value)) return { field: name, type: 'list_type', message: 'Input should be a valid list' };
  if (rule.min !== undefined && value.length < rule.min) {
    return { field: name, type: 'too_short', message: `List should have at least ${rule.min} item(s) after validation, not ${value.length}` };
  }
  if (rule.max !== undefined && value.length > rule.max) {
    return { field: name, type: 'too_long', message: `List should have at most ${rule.max} item(s) after validation, not ${value.length}` };
  }
  return undefined;
}

/** Every problem of a list field: the list's own, then each item's (images, or objects against their schema). */
function checkListField(name: string, rule: Extract<FieldRule, { type: 'imageList' | 'objectList' }>, value: unknown): FieldIssue[] {
  const own = checkList(name, rule, value);
  if (own) return [own];
  return (value as unknown[]).flatMap((item, i) => {
    if (rule.type === 'objectList')
      return checkInput(item, rule.schema).map((issue) => ({ ...issue, field: `${name}.${i}${issue.field ? `.${issue.field}` : ''}` }));
    const issue = checkField(`${name}.${i}`, { type: 'image' }, item);
    return issue ? [issue] : [];
  });
}

function checkField(name: string, rule: Exclude<FieldRule, { type: 'imageList' | 'objectList' }>, value: unknown): FieldIssue | undefined {
  const issue = (type: string, message: string): FieldIssue => ({ field: name, type, message });
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return issue('string_type', 'Input should be a valid string');
      if (rule.maxLength !== undefined && value.length > rule.maxLength) {
        return issue('string_too_long', `String should have at most ${rule.maxLength} characters`);
      }
      return undefined;
    case 'enum':
      return rule.values.includes(value as string | number)
        ? undefined
        : issue('literal_error', `Input should be ${rule.values.map((v) => JSON.stringify(v)).join(' or ')}`);
    case 'boolean':
      return typeof value === 'boolean' ? undefined : issue('bool_type', 'Input should be a valid boolean');
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
        return issue(rule.integer ? 'int_type' : 'float_type', `Input should be a valid ${rule.integer ? 'integer' : 'number'}`);
      }
      if ((rule.min !== undefined && value < rule.min) || (rule.max !== undefined && value > rule.max)) {
        return issue('range_error', `Input should be between ${rule.min ?? '-inf'} and ${rule.max ?? 'inf'}`);
      }
      return undefined;
    }
    case 'image':
      return imageInput(value) === undefined ? issue('invalid_image', 'Input should be an https URL or a data URI of a PNG, JPEG or WebP image') : undefined;
  }
}

/** Every problem of `input` against `schema` (empty when valid). */
export function checkInput(input: unknown, schema: InputSchema): FieldIssue[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: '', type: 'dict_type', message: 'Input should be an object' }];
  const values = input as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const name of schema.required) {
    if (values[name] === undefined || values[name] === null) issues.push({ field: name, type: 'missing', message: 'Field required' });
  }
  for (const [name, value] of Object.entries(values)) {
    const rule = schema.fields[name];
    if (!rule) issues.push({ field: name, type: 'extra_forbidden', message: 'Extra inputs are not permitted' });
    else if (value === undefined || value === null) continue;
    else if (rule.type === 'imageList' || rule.type === 'objectList') issues.push(...checkListField(name, rule, value));
    else {
      const issue = checkField(name, rule, value);
      if (issue) issues.push(issue);
    }
  }
  return issues.length === 0 && schema.check ? schema.check(values) : issues;
}

/** How many images a list field holds (0 when absent or not a list): what the emulators count as reference pictures. */
export function listLength(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}
