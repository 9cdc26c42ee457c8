// Issue #12 against the emulators with the real clients: a run killed (SIGKILL) while @ttv/ai draws its keyframes
// asks the LLM nothing again and redraws no keyframe it has; and a segment Runway refuses is reworded by the LLM
// planner and made, with both prompts in the manifest and the LLM call in the budget.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeVideo } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { startRunwayEmulator } from '@ttv/testkit';
import { startOpenAIEmulator } from '@ttv/testkit/emulators';
import { afterAll, expect, it } from 'vitest';
import { CLI_BIN, scratchDir, ttv, writeConfig } from './helpers.js';

const dir = scratchDir('ai-resume');
const openai = await startOpenAIEmulator({ imageScale: 8 });
const runway = await startRunwayEmulator({ outputScale: 8, taskDurationMs: 100 });
afterAll(async () => {
  await openai.close();
  await runway.close();
});

const dist = (pkg: string, entry: string) => fileURLToPath(new URL(`../../../${pkg}/dist/${entry}.js`, import.meta.url));
const aiSections = [
  `planner: ${dist('ai', 'planner')}`,
  `ai-planner: { model: openai:gpt-4o-mini, baseURL: ${openai.baseURL}, apiKey: ${openai.apiKey} }`,
  `images: ${dist('ai', 'images')}`,
  `ai-images: { model: openai:gpt-image-1, quality: low, baseURL: ${openai.baseURL}, apiKey: ${openai.apiKey} }`,
];
const SCRIPT = Array.from({ length: 10 }, (_, i) => `In scene ${i + 1} the keeper climbs toward the lamp room.`).join(' ');
const count = (path: string) => openai.requests.filter((r) => r.method === 'POST' && r.path === path).length;

it('SIGKILL while the keyframes are drawn, then run again: no second LLM call, no keyframe it has drawn again', async () => {
  const file = await writeConfig(
    dir,
    [
      'name: killed',
      'mode: keyframe',
      'backend: kenburns',
      'output: { width: 320, height: 180, fps: 12 }',
      'segmentDuration: 1',
      ...aiSections,
      'storyboard:',
      '  totalDuration: 5',
      `  prompt: ${SCRIPT}`,
      '',
    ].join('\n'),
  );
  // Every edit (a keyframe drawn from the previous one) answers after 1.5 s: the run is killed while the second waits.
  openai.faults.inject({ kind: 'delay', ms: 1500, times: 20, match: { method: 'POST', path: '/v1/images/edits' } });
  const child = spawn(process.execPath, [CLI_BIN, 'generate', '--config', file, '--json'], { stdio: 'ignore' });
  const closed = new Promise((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 120_000;
  while (count('/v1/images/edits') < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGKILL');
  await closed;
  expect(count('/v1/images/edits')).toBe(2);
  openai.faults.clear();
  const killed = JSON.parse(await readFile(join(dir, 'runs/killed/manifest.json'), 'utf8'));
  const drawn = (killed.images?.keyframes ?? []).filter(Boolean).length;
  expect(drawn).toBeLessThanOrEqual(1);
  const before = { llm: count('/v1/responses'), first: count('/v1/images/generations'), edits: count('/v1/images/edits') };
  expect(before).toMatchObject({ llm: 1, first: 1 });

  const again = await ttv(['generate', '--config', file, '--json'], { timeoutMs: 240_000 });
  expect(again.exitCode, again.stderr).toBe(0);
  const out = JSON.parse(again.stdout);
  expect(out.status).toBe('done');
  expect(count('/v1/responses')).toBe(1); // the kept plan
  expect(count('/v1/images/generations')).toBe(1); // the kept first frame
  expect(count('/v1/images/edits') - before.edits).toBe(5 - drawn); // only the keyframes that did not exist
  const done = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  expect(done.ledger.filter((l: { backend: string }) => l.backend === 'planner:ai-planner')).toHaveLength(1);
  expect(await probeVideo(out.video, { countFrames: true })).toMatchObject({ width: 320, height: 180, frames: 5 * 12 });
}, 400_000);

it('Runway refuses segment 2: the LLM planner rewords it, the segment is made, both prompts are kept and the call is budgeted', async () => {
  await makeTestImage(join(dir, 'start.png'), { width: 320, height: 180, pattern: 'testsrc2' });
  const file = await writeConfig(
    dir,
    [
      'name: refused',
      'mode: chaining',
      `backend: ${dist('backend-runway', 'index')}`,
      `runway: { baseUrl: ${runway.url}, polling: { intervalMs: 20, maxIntervalMs: 60 } }`,
      'onModeration: reword',
      'output: { width: 320, height: 180, fps: 24 }',
      'segmentDuration: 2',
      ...aiSections.slice(0, 2),
      'storyboard:',
      '  image: start.png',
      '  segments:',
      '    - prompt: The keeper climbs the stairs.',
      '    - prompt: The keeper lights the lamp.',
      '    - prompt: The keeper fights the intruder with a bloody knife.',
      '    - prompt: The boat reaches the harbour.',
      '',
    ].join('\n'),
    'refused.yaml',
  );
  runway.script.nextTask({}, 2);
  runway.script.nextTask({ failureCode: 'SAFETY.INPUT.TEXT' });
  const llmBefore = count('/v1/responses');
  const r = await ttv(['generate', '--config', file, '--json'], { env: { RUNWAYML_API_SECRET: runway.apiKey }, timeoutMs: 240_000 });
  expect(r.exitCode, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.status).toBe('done');
  expect(count('/v1/responses') - llmBefore).toBe(1); // one rewording
  const bodies = runway.requestsTo('POST', '/v1/image_to_video').map((q) => (q.json as { promptText: string }).promptText);
  expect(bodies).toHaveLength(5); // four segments and the reworded retry
  expect(bodies[2]).toBe('The keeper fights the intruder with a bloody knife.');
  const manifest = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  const seg = manifest.segments[2];
  expect(seg.rewords).toHaveLength(1);
  expect(seg.rewords[0]).toMatchObject({ from: bodies[2], to: bodies[3], by: 'planner:ai-planner', backend: 'runway' });
  expect(bodies[3]).not.toBe(bodies[2]);
  const reword = manifest.ledger.filter((l: { model: string }) => l.model === 'reword');
  expect(reword).toHaveLength(1);
  expect(reword[0].actualUsd).toBeGreaterThan(0);
  const runwayUsd = manifest.ledger
    .filter((l: { backend: string }) => l.backend === 'runway')
    .reduce((a: number, l: { actualUsd: number }) => a + l.actualUsd, 0);
  expect(out.totalCostUsd).toBeCloseTo(runwayUsd + reword[0].actualUsd, 6);
  expect(await probeVideo(out.video, { countFrames: true })).toMatchObject({ width: 320, height: 180 });
}, 400_000);
