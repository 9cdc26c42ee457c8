// `ttv plan --write <file>`: the plan as an ordinary, editable ttv config. The user's config file is copied as it
// is (comments, `${VAR}` references: nothing is interpolated, so no secret is written) with its storyboard replaced by
// the planned segments, each with its prompt, duration and, in keyframe mode, the keyframe (image or prompt) it ends
// on. Image paths are rewritten relative to the new file's folder.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { LoadedConfig } from '@ttv/core';
import type { Plan } from '@ttv/core/engine';

/** The storyboard section for a plan, with paths relative to `dir`. */
export function storyboardOf(plan: Plan, config: LoadedConfig, dir: string): Record<string, unknown> {
  const rel = (p: string) => {
    const r = relative(dir, isAbsolute(p) ? p : resolve(config.configDir, p));
    return r.split('\\').join('/');
  };
  const written = config.core.storyboard.segments;
  return {
    ...(plan.image ? { image: rel(plan.image) } : {}),
    segments: plan.segments.map((s, i) => ({
      prompt: s.prompt,
      duration: s.durationSec,
      ...(s.keyframe ? { keyframe: rel(s.keyframe) } : {}),
      ...(s.keyframePrompt ? { keyframePrompt: s.keyframePrompt } : {}),
      ...(s.negativePrompt ? { negativePrompt: s.negativePrompt } : {}),
      ...(written?.[i]?.seed !== undefined ? { seed: written[i]!.seed } : {}),
      ...(written?.[i]?.narration ? { narration: written[i]!.narration } : {}),
    })),
  };
}

/** Writes the config with the planned storyboard to `out` (atomically). */
export async function writeStoryboard(plan: Plan, config: LoadedConfig, out: string): Promise<void> {
  const [{ parseDocument }, { writeFileAtomic }] = await Promise.all([import('yaml'), import('@ttv/core/backend')]);
  const doc = parseDocument(await readFile(config.file, 'utf8'));
  doc.set('storyboard', doc.createNode(storyboardOf(plan, config, dirname(resolve(out)))));
  const header = `# Planned by \`ttv plan --write\` from ${relative(dirname(resolve(out)), config.file)
    .split('\\')
    .join('/')}: edit any segment, then \`ttv generate -c ${out.split('\\').join('/')}\`.\n`;
  await writeFileAtomic(out, header + doc.toString());
}
