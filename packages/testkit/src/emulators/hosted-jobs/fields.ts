/**
 * A small schema checker for the fal and Replicate emulators' model inputs: each model lists its fields (type,
 * enum, range, length) and which are required; unknown fields are refused (stricter than the real services,
 * which may ignore them, so a backend that sends a field a model does not take is caught in tests).
 */
import { imageInput } from './service.js';

export type FieldRule =
  | { type: 'string'; maxLength?: number }
  | { type: 'enum'; values: readonly (string | number)[] }
  | { type: 'boolean' }
  | { type: 'number'; min?: number; max?: number; integer?: boolean }
  | { type: 'image' };

export interface InputSchema {
  fields: Record<string, FieldRule>;
  required: readonly string[];
}

export interface FieldIssue {
  field: string;
  /** pydantic-style type: missing, extra_forbidden, literal_error, string_too_long, … */
  type: string;
  message: string;
}

function checkField(name: string, rule: FieldRule, value: unknown): FieldIssue | undefined {
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
    else if (value !== undefined && value !== null) {
      const issue = checkField(name, rule, value);
      if (issue) issues.push(issue);
    }
  }
  return issues;
}
