// Issue #12 through the CLI, with a paid planner loaded by its config name (a module path here, as a third-party
// planner would be): `ttv estimate` prices the planning without asking; `ttv plan --write` asks once, keeps the
// answer in the run folder and writes an editable storyboard; `generate` reuses the kept plan (no second call) and
// books its cost; editing one keyframe prompt in the storyboard regenerates exactly that still and the two segments
// that touch it.
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeVideo } from '@ttv/core/media';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { scratchDir, ttv, writeConfig } from './helpers.js';

const dir = scratchDir('paid-planner');

/** A planner plugin with no dependencies: sentence groups, $0.01 a plan (estimated $0.05), each call counted in a file. */
const PLANNER = `
import { appendFileSync } from 'node:fs';
const calls = new URL('./planner-calls.txt', import.meta.url);
const cancelled = () => Object.assign(new Error('cancelled'), { code: 'CANCELLED' });
export default {
  specificationVersion: 2,
  name: 'counting',
  displayName: 'Counting planner (test)',
  kind: 'remote',
  configSchema: { safeParse: (v) => ({ success: true, data: v ?? {} }) },
  create: () => ({
    specificationVersion: 2,
    estimateCost: () => ({ usd: 0.01 }),
    estimatePlanCost: () => ({ usd: 0.05 }),
    async plan(request, context) {
      if (context.signal.aborted) throw cancelled();
      appendFileSync(calls, 'plan\\n');
      const sentences = request.script.match(/[^.]+\\./g).map((s) => s.trim());
      const n = Math.round(request.totalDurationSec / request.segmentDurationSec);
      const per = Math.ceil(sentences.length / n);
      const segments = Array.from({ length: n }, (_, i) => {
        const text = sentences.slice(i * per, (i + 1) * per).join(' ');
        return { prompt: 'Planned: ' + text, keyframePrompt: 'Keyframe ' + i + ': ' + text, durationSec: request.totalDurationSec / n, cast: [] };
      });
      return { segments, costUsd: 0.01 };
    },
    async reword(request) {
      return { prompt: 'Gently: ' + request.prompt, costUsd: 0.01 };
    },
  }),
};
`;

const SCRIPT = Array.from({ length: 8 }, (_, i) => `Scene ${i + 1} shows the keeper on the cliff path.`).join(' ');

it('estimate prices the plan unasked; plan asks once and keeps it; generate reuses it; one edited keyframe prompt redoes one still and two segments', async () => {
  await writeFile(join(dir, 'counting-planner.mjs'), PLANNER);
  const file = await writeConfig(
    dir,
    `name: planned\nmode: keyframe\nbackend: kenburns\nplanner: ./counting-planner.mjs\noutput: { width: 320, height: 180, fps: 12 }\nsegmentDuration: 1\nstoryboard:\n  totalDuration: 4\n  prompt: ${SCRIPT}\n`,
  );
  const calls = () => readFileSync(join(dir, 'planner-calls.txt'), 'utf8').split('\n').filter(Boolean).length;

  const estimate = await ttv(['estimate', '--config', file, '--json']);
  expect(estimate.exitCode, estimate.stderr).toBe(0);
  expect(JSON.parse(estimate.stdout)).toMatchObject({ planning: { planner: 'counting', usd: 0.05, saved: false }, totalUsd: 0.05 });
  expect(() => calls()).toThrow(); // not asked

  const storyboard = join(dir, 'storyboard.yaml');
  const plan = await ttv(['plan', '--config', file, '--json', '--write', storyboard]);
  expect(plan.exitCode, plan.stderr).toBe(0);
  const planned = JSON.parse(plan.stdout);
  expect(planned.planning).toMatchObject({ planner: 'counting', costUsd: 0.01, reused: false });
  expect(planned.segments.map((s: { prompt: string }) => s.prompt)).toEqual([
    'Planned: Scene 1 shows the keeper on the cliff path. Scene 2 shows the keeper on the cliff path.',
    'Planned: Scene 3 shows the keeper on the cliff path. Scene 4 shows the keeper on the cliff path.',
    'Planned: Scene 5 shows the keeper on the cliff path. Scene 6 shows the keeper on the cliff path.',
    'Planned: Scene 7 shows the keeper on the cliff path. Scene 8 shows the keeper on the cliff path.',
  ]);
  expect(calls()).toBe(1);
  const again = await ttv(['estimate', '--config', file, '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ planning: { saved: true, usd: 0 }, totalUsd: 0 });

  const film = await ttv(['generate', '--config', file, '--json']);
  expect(film.exitCode, film.stderr).toBe(0);
  const out = JSON.parse(film.stdout);
  expect(calls()).toBe(1); // the kept plan, not a second call
  const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  expect(manifest.ledger.filter((l: { backend: string }) => l.backend === 'planner:counting')).toMatchObject([{ actualUsd: 0.01 }]);
  expect(out.totalCostUsd).toBeCloseTo(0.01, 6);
  expect(await probeVideo(out.video, { countFrames: true })).toMatchObject({ frames: 4 * 12, width: 320, height: 180 }); // 4 segments of 1 s

  // The report says who planned the storyboard and for what.
  expect((await ttv(['report', out.runDir, '--json'])).exitCode).toBe(0);
  expect(await readFile(join(out.runDir, 'report.html'), 'utf8')).toMatch(/storyboard planned from the script by counting · 4 segments · \$0\.0100/);

  // The written storyboard: the planned segments, editable; generate from it makes the same film for free.
  const written = parse(await readFile(storyboard, 'utf8'));
  expect(written.storyboard.segments).toHaveLength(4);
  expect(written.storyboard.segments[2].keyframePrompt).toBe(
    'Keyframe 2: Scene 5 shows the keeper on the cliff path. Scene 6 shows the keeper on the cliff path.',
  );
  const attempts = async () =>
    (JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8')).segments as Array<{ attempts: unknown[] }>).map((s) => s.attempts.length);
  const before = await attempts();
  expect((await ttv(['generate', '--config', storyboard, '--json'])).exitCode).toBe(0);
  expect(await attempts()).toEqual(before); // nothing generated again

  written.storyboard.segments[2].keyframePrompt = 'Keyframe 2: the keeper stops and looks at the storm.';
  const { stringify } = await import('yaml');
  await writeFile(storyboard, stringify(written));
  const edited = await ttv(['generate', '--config', storyboard, '--json']);
  expect(edited.exitCode, edited.stderr).toBe(0);
  // Segment 2 ends on the edited still and segment 3 starts from it: those two, and only those, are made again.
  expect((await attempts()).map((n, i) => n - before[i]!)).toEqual([0, 0, 1, 1]);
  const after = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  expect(after.images.keyframes.map((k: { prompt: string }) => k.prompt.startsWith('Keyframe 2: the keeper stops'))).toEqual([false, false, true, false]);
  expect(calls()).toBe(1);
}, 240_000);
