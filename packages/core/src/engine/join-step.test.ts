// The join step reuses what the engine recorded for each segment: no segment is probed again at join time.
// Counted with a real ffprobe behind a wrapper that logs every call.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScriptedBackend } from '../../../testkit/src/index.js';
import { resolveFfmpeg, useFfmpegBinaries } from '../media/binaries.js';
import { type Assets, chainingStoryboard, freshRunDir, keyframeStoryboard, makeAssets, makeConfig, noRegistry } from './harness.fixture.js';
import { runPipeline } from './pipeline.js';

let assets: Assets;
let log: string;
beforeAll(async () => {
  assets = await makeAssets();
  log = join(assets.dir, 'ffprobe-calls.log');
  const wrapper = join(assets.dir, 'ffprobe-logged');
  writeFileSync(wrapper, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${resolveFfmpeg().ffprobe}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  useFfmpegBinaries({ ffprobePath: wrapper });
});
afterAll(async () => {
  useFfmpegBinaries({});
  if (assets) await rm(assets.dir, { recursive: true, force: true });
});

const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean);

it.each([
  ['keyframe (stream copy)', (a: Assets) => keyframeStoryboard(3, a)],
  ['chaining (seam frames dropped: normalised)', (a: Assets) => chainingStoryboard(3, 1, a)],
])('%s: every segment carries its full probe in the manifest, and the join probes none of them again', async (_, storyboard) => {
  const runDir = await freshRunDir(assets);
  const backend = createScriptedBackend({ name: 'a', clip: assets.clip, submitsJobs: false });
  let atJoin = -1;
  const result = await runPipeline({
    config: makeConfig({ assets, backends: [backend], core: storyboard(assets) }),
    registry: noRegistry,
    runDir,
    onEvent: (e) => {
      if (e.type === 'join-start') atJoin = calls().length;
    },
  });
  expect(result.manifest.status).toBe('done');
  for (const s of result.manifest.segments) expect(s.probe).toMatchObject({ codec: 'h264', width: 320, height: 180, frames: 8, fps: 8 });
  expect(atJoin).toBeGreaterThan(0);
  const segmentFile = /segments\/seg-\d{3}\.mp4/;
  const joinProbes = calls()
    .slice(atJoin)
    .filter((c) => segmentFile.test(c) && !c.includes('normalised'));
  expect(joinProbes).toEqual([]);
  expect(result.manifest.final?.frames).toBeGreaterThan(0);
});
