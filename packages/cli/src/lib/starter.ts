/** Builds the commented starter ttv.yaml written by `ttv init`. */

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  required?: string[];
}

export interface StarterBackend {
  name: string;
  /** Section JSON Schema, when the backend is installed. */
  schema?: Record<string, unknown>;
  /** Set when the backend is not installed. */
  installCommand?: string;
  pluginCommand?: string;
  description?: string;
}

export interface StarterOptions {
  name: string;
  mode: 'chaining' | 'keyframe';
  backends: StarterBackend[];
  schemaRef?: string;
}

const yamlScalar = (v: unknown): string => (typeof v === 'string' ? (/^[\w./:-]*$/.test(v) && v !== '' ? v : JSON.stringify(v)) : JSON.stringify(v));

function example(p: JsonSchema): string {
  if (p.default !== undefined) return yamlScalar(p.default);
  if (p.enum?.length) return yamlScalar(p.enum[0]);
  const t = Array.isArray(p.type) ? p.type[0] : (p.type ?? p.anyOf?.[0]?.type);
  if (t === 'number' || t === 'integer') return '0';
  if (t === 'boolean') return 'false';
  if (t === 'object') return '{}';
  if (t === 'array') return '[]';
  return '""';
}

function sectionLines(b: StarterBackend): string[] {
  const out: string[] = [];
  if (!b.schema) {
    out.push(`# ${b.name}: ${b.description ?? ''}`.trimEnd());
    out.push(`# Not installed yet: ${b.installCommand}   (global CLI: ${b.pluginCommand})`);
    out.push(`# Then see its options with \`ttv config schema\`, and add a "${b.name}:" section here if you need one.`);
    return out;
  }
  const schema = b.schema as JsonSchema;
  const props = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  out.push(`# ${String(schema.description ?? b.name).split('\n')[0]}`);
  out.push(`${b.name}:`);
  if (props.length === 0) out.push('  {}');
  for (const [key, p] of props) {
    const desc = (p.description ?? '').replace(/\s+/g, ' ').trim();
    if (desc) out.push(`  # ${desc}`);
    out.push(`  ${required.has(key) ? '' : '# '}${key}: ${example(p)}`);
  }
  if (props.length > 0 && props.every(([k]) => !required.has(k))) out.push('  # (every option above has a default: the empty section is valid)');
  return out;
}

export function starterYaml(o: StarterOptions): string {
  const lines: string[] = [];
  if (o.schemaRef) lines.push(`# yaml-language-server: $schema=${o.schemaRef}`);
  lines.push(
    '# ttv: a long video from a script, made of 5-10 s clips joined seamlessly.',
    '#   ttv plan       show the segments and the backend each would use',
    '#   ttv estimate   what it would cost (no network calls)',
    '#   ttv generate   make it (re-run to resume)       ttv report runs/<name>   look at the seams',
    `name: ${o.name}`,
    '',
    o.mode === 'chaining'
      ? '# chaining: image-to-video; each segment starts from the exact last frame of the previous one (sequential).'
      : '# keyframe: first+last-frame-to-video between your keyframes; segments are generated in parallel.',
    `mode: ${o.mode}`,
    '',
  );
  if (o.backends.length === 1) {
    lines.push('# The backend that makes the clips (`ttv backends` lists them). A list makes a fallback chain:', '#   backends: [runway, kenburns]');
    lines.push(`backend: ${o.backends[0]!.name}`);
  } else {
    lines.push('# Fallback chain: each segment tries these in order (skipping one that cannot take it, falling back on failure).');
    lines.push(`backends: [${o.backends.map((b) => b.name).join(', ')}]`);
  }
  lines.push(
    '',
    'output:',
    '  width: 1280',
    '  height: 720',
    '  fps: 24',
    '  # dir: runs/my-film          # default: runs/<name> beside this file',
    '',
    '# Target seconds per segment (backends pick the nearest length they support).',
    'segmentDuration: 5',
    '# seed: 7                      # base seed; segment i uses seed + i',
    '',
    '# Cost limits in USD (`ttv estimate` shows what a run would cost):',
    '# budget:',
    '#   maxUsd: 20                 # stop before any call that would make the run cost more',
    '#   warnUsd: 10                # warn once when the run passes this',
    '',
    '# When a backend refuses content: fail, next (try the next backend), reword.',
    '# onModeration: fail',
    '',
    'storyboard:',
    '  # The first frame of the film (PNG/JPEG, relative to this file).',
    '  image: images/first.png',
  );
  if (o.mode === 'chaining') {
    lines.push(
      '  segments:',
      '    - prompt: The camera drifts slowly towards the light.',
      '    - prompt: Mist lifts from the fields as the light grows warmer.',
      '      duration: 8               # per-segment length (default: segmentDuration)',
      '    - prompt: The sun clears the hills and the valley wakes.',
      '  # Or one long script, split by the planner into segments of segmentDuration:',
      '  # prompt: >',
      '  #   Dawn over a quiet valley. Mist lifts from the fields. The sun clears the hills.',
      '  # totalDuration: 30',
    );
  } else {
    lines.push(
      '  segments:',
      '    - prompt: From dawn into the forest.',
      '      keyframe: images/forest.png   # the image this segment ends on',
      '    - prompt: Through the trees to the ocean.',
      '      keyframe: images/ocean.png',
    );
  }
  for (const b of o.backends) {
    lines.push('');
    lines.push(...sectionLines(b));
  }
  return `${lines.join('\n')}\n`;
}
