// The keyframe step (keyframe mode, issue #12): the film's first frame and every segment's keyframe that the
// storyboard gives as an image are copied into the run folder; the others are generated from text by the image
// generator (`images:`). Each generated image is recorded in the manifest with the key of what decided it, so a
// re-run reuses it (nothing is paid twice) and an edited keyframe prompt regenerates exactly that keyframe, and
// those that chain image-to-image from it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { castIn } from '../plan/planner.js';
import { BUILT_IN_IMAGES } from '../registry/kinds.js';
import { TtvError } from '../spec/errors.js';
import type { ImageGenerator, ImageReference } from '../spec/images.js';
import { sha256, sha256File } from '../util/fs.js';
import type { GeneratedImageRecord, ManifestInput } from './manifest.js';
import { copyInput, now, pad, type RunState } from './run-state.js';

/** Bump when what decides a generated image changes. */
const RECIPE = 1;

/** One image to have: copied from the storyboard, or generated (with the cast pictures it may take as references). */
type Still = { copy: string } | { prompt: string; seed?: number; references: ImageReference[] };

/**
 * Fills `state.inputs` for keyframe mode: the first frame (copied, or generated when the storyboard has no image)
 * and one keyframe per segment. Images are generated in film order, each from the previous one when the generator
 * takes an init image.
 */
export async function keyframesStep(state: RunState): Promise<void> {
  const { plan, manifest } = state;
  const keyframeMode = plan.mode === 'keyframe';
  const generating = !!plan.imagePrompt || (keyframeMode && plan.segments.some((s) => !s.keyframe));
  const images = generating ? await openGenerator(state) : undefined;
  const refs = (text: string) => referencesIn(state, text, images?.maxReferences ?? 0);
  const first: Still | undefined = plan.image
    ? { copy: plan.image }
    : plan.imagePrompt
      ? { prompt: plan.imagePrompt, ...seedOf(state, -1), references: refs(plan.imagePrompt) }
      : undefined;
  const stills: Still[] = (keyframeMode ? plan.segments : []).map((s) => {
    if (s.keyframe) return { copy: s.keyframe };
    const prompt = s.keyframePrompt ?? s.prompt;
    return { prompt, ...(s.seed !== undefined ? { seed: s.seed } : {}), references: refs(prompt) };
  });
  manifest.images ??= { keyframes: [] };
  const records = manifest.images;
  let previous: (ManifestInput & { key?: string }) | undefined;
  const make = async (still: Still, name: string, index: number | 'first'): Promise<ManifestInput & { key?: string }> => {
    if ('copy' in still) return copyInput(state.runDir, still.copy, name);
    const recorded = index === 'first' ? records.first : records.keyframes[index];
    const made = await generated(state, images!, still, name, recorded ?? undefined, images!.chains ? previous : undefined);
    if (index === 'first') records.first = made;
    else records.keyframes[index] = made;
    return { path: made.path, sha256: made.sha256, key: made.key };
  };
  if (first) {
    previous = await make(first, 'input-000-first', 'first');
    state.inputs.firstImage = { path: previous.path, sha256: previous.sha256 };
  }
  const keyframes: ManifestInput[] = [];
  for (const [i, still] of stills.entries()) {
    previous = await make(still, `keyframe-${pad(i)}`, i);
    keyframes.push({ path: previous.path, sha256: previous.sha256 });
  }
  state.inputs.keyframes = keyframes;
  if (!generating) delete manifest.images;
  else records.keyframes.length = stills.length;
}

/** The pictures of the cast members a prompt names, as tagged references (as many as the generator takes). */
function referencesIn(state: RunState, prompt: string, max: number): ImageReference[] {
  if (max === 0) return [];
  return castIn(prompt, state.core.cast)
    .flatMap((m) => (m.image ? [{ path: m.image, role: m.kind, name: m.name }] : []))
    .slice(0, max);
}

function seedOf(state: RunState, offset: number): { seed?: number } {
  return state.core.seed !== undefined ? { seed: state.core.seed + offset } : {};
}

interface OpenGenerator {
  name: string;
  generator: ImageGenerator;
  chains: boolean;
  maxReferences: number;
  settingsKey: string;
}

async function openGenerator(state: RunState): Promise<OpenGenerator> {
  // loadConfig loads the plugin and validates its section; a config built by hand gets the embedded default.
  const { plugin, config } = state.config.images ?? { plugin: BUILT_IN_IMAGES.card!, config: {} };
  const name = plugin.name;
  const generator = await plugin.create(config, { configDir: state.config.configDir, env: state.env });
  const caps = plugin.describe(config);
  return { name, generator, chains: caps.initImage, maxReferences: caps.maxReferences, settingsKey: sha256(JSON.stringify(config)) };
}

/** The hash of a cast picture; a missing file is INPUT_INVALID naming it, before anything is paid. */
async function referenceHash(state: RunState, path: string): Promise<string> {
  if (!existsSync(path)) {
    const index = state.core.cast.findIndex((m) => m.image === path);
    throw new TtvError('INPUT_INVALID', `cast image not found: ${path}`, {
      field: `cast[${index}].image`,
      value: path,
      fix: 'check the path (relative paths are resolved from the config file)',
    });
  }
  return sha256File(path);
}

/** A generated still: the recorded one while its key holds and its file verifies, else a new one (budgeted). */
async function generated(
  state: RunState,
  images: OpenGenerator,
  still: { prompt: string; seed?: number; references: ImageReference[] },
  name: string,
  recorded: GeneratedImageRecord | undefined,
  init: (ManifestInput & { key?: string }) | undefined,
): Promise<GeneratedImageRecord> {
  const { width, height } = state.manifest.output;
  const key = sha256(
    JSON.stringify({
      recipe: RECIPE,
      generator: images.name,
      settings: images.settingsKey,
      prompt: still.prompt,
      seed: still.seed ?? null,
      width,
      height,
      init: init?.key ?? init?.sha256 ?? null,
      // A changed cast picture changes the still.
      references: await Promise.all(still.references.map(async (r) => ({ ...r, sha256: await referenceHash(state, r.path) }))),
    }),
  );
  if (recorded?.key === key && existsSync(recorded.path) && (await sha256File(recorded.path)) === recorded.sha256) return recorded;
  const request = {
    prompt: still.prompt,
    width,
    height,
    ...(still.seed !== undefined ? { seed: still.seed } : {}),
    ...(init ? { initImage: init.path } : {}),
    ...(still.references.length > 0 ? { references: still.references } : {}),
    outputPath: join(state.runDir, 'frames', `${name}.png`),
  };
  const estimate = images.generator.estimateCost(request).usd;
  state.budget.reserve(estimate, `the image ${name} on ${images.name}`);
  let result: Awaited<ReturnType<ImageGenerator['generate']>>;
  try {
    result = await state.timed(() =>
      images.generator.generate(request, { signal: state.signal, log: (line) => state.log(`${name}: ${line}`), workDir: join(state.runDir, 'work') }),
    );
  } finally {
    state.budget.release(estimate);
  }
  // A paid still goes into the ledger like a clip (the journal keeps it, so a lost manifest still knows it was paid).
  if (estimate > 0 || result.costUsd > 0) {
    const segment = name.startsWith('keyframe-') ? Number(name.slice('keyframe-'.length)) : 0;
    state.manifest.ledger.push({
      segment,
      backend: `images:${images.name}`,
      model: name,
      attempt: 1,
      estimatedUsd: estimate,
      actualUsd: result.costUsd,
      outcome: 'ok',
      at: now(),
    });
  }
  const { totalUsd } = state.budget.book(result.costUsd);
  state.manifest.totalCostUsd = totalUsd;
  for (const w of result.warnings) state.log(`${name}: ${w}`);
  const record: GeneratedImageRecord = {
    key,
    generator: images.name,
    prompt: still.prompt,
    path: result.file,
    sha256: await sha256File(result.file),
    costUsd: result.costUsd,
    fit: result.fit,
  };
  state.emit({ type: 'image', name, file: result.file, costUsd: result.costUsd });
  await state.writer.save();
  return record;
}
