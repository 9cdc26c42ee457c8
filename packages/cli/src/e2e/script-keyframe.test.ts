// Issue #12, on a bare machine: a 300-word script and no images become a keyframe-mode film with the embedded
// defaults only (deterministic planner, storyboard-card images, kenburns). First the stills alone, reviewed in the
// report's contact sheet; then the film from them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { probeImage, probeVideo } from '@ttv/core/media';
import { expect, it } from 'vitest';
import { scratchDir, ttv, writeConfig } from './helpers.js';

const dir = scratchDir('script-keyframe');

// 300 words: twenty sentences of fifteen words.
const SCRIPT = Array.from({ length: 20 }, (_, i) => `In scene ${i + 1} the lighthouse keeper walks the cliff path slowly, watching the grey sea.`).join(' ');

it('a 300-word script alone: --until keyframes makes the stills (report contact sheet), then the film is made between them', async () => {
  expect(SCRIPT.split(/\s+/)).toHaveLength(300);
  const file = await writeConfig(
    dir,
    `name: script\nmode: keyframe\nbackend: kenburns\noutput: { width: 320, height: 180, fps: 24 }\nsegmentDuration: 1\nseed: 3\nstoryboard:\n  totalDuration: 5\n  prompt: >-\n    ${SCRIPT}\n`,
  );
  const stills = await ttv(['generate', '--config', file, '--until', 'keyframes', '--json']);
  expect(stills.exitCode, stills.stderr).toBe(0);
  const stopped = JSON.parse(stills.stdout);
  expect(stopped).toMatchObject({ ok: true, status: 'stopped', totalCostUsd: 0 });
  const manifest = JSON.parse(await readFile(join(stopped.runDir, 'manifest.json'), 'utf8'));
  expect(manifest.images.keyframes).toHaveLength(5); // 5 s planned as 5 segments of 1 s
  for (const k of [manifest.images.first, ...manifest.images.keyframes]) {
    expect(await probeImage(join(stopped.runDir, k.path))).toMatchObject({ width: 320, height: 180 });
  }
  expect(manifest.segments.every((s: { status: string }) => s.status === 'pending')).toBe(true);

  const report = await ttv(['report', stopped.runDir, '--json']);
  expect(report.exitCode, report.stderr).toBe(0);
  expect(JSON.parse(report.stdout)).toMatchObject({ keyframes: 6, seams: 0, video: { src: 'none' } });
  const html = await readFile(join(stopped.runDir, 'report.html'), 'utf8');
  expect(html.match(/<figure class="still"/g)).toHaveLength(6);
  expect(html).toContain('Still frame, no camera movement: In scene');

  const film = await ttv(['generate', '--config', file, '--json']);
  expect(film.exitCode, film.stderr).toBe(0);
  const out = JSON.parse(film.stdout);
  expect(out.status).toBe('done');
  expect(out.segments).toHaveLength(5);
  // 5 segments of 24 frames, the 4 repeated seam frames dropped
  const probe = await probeVideo(out.video, { countFrames: true });
  expect(probe).toMatchObject({ frames: 5 * 24 - 4, width: 320, height: 180 });
  // The prompts of the film are the script's, in order.
  const done = JSON.parse(await readFile(join(out.runDir, 'manifest.json'), 'utf8'));
  expect(done.segments[0].prompt).toMatch(/^In scene 1 /);
  expect(done.segments[4].prompt).toMatch(/In scene 20 /);
});
