/**
 * Pins the runtime names of every `@ttv/core` entry (docs/decisions/0004-core-entries.md), so that a new export,
 * or one that leaves, is a deliberate change made here. Types are not runtime names and are not listed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ENTRIES: Record<string, { source: string; load: () => Promise<Record<string, unknown>>; names: string[] }> = {
  '.': {
    source: './src/index.ts',
    load: () => import('./index.js'),
    names: [
      // config, running, estimating, the registry, the spec and the errors
      'BackendRegistry',
      'ERROR_CODES',
      'SPECIFICATION_VERSION',
      'TtvError',
      'defineBackend',
      'estimateRun',
      'isRemoteBackend',
      'loadConfig',
      'parseConfig',
      'runPipeline',
      'throwIfAborted',
      'toTtvError',
      'ttvError',
      // transitional (deprecated): still imported from the root by the first-party backends' sources
      'clipResult',
      'describeDurations',
      'durationAllowed',
      'fitImage',
      'pollingConfigSchema',
      'probeImage',
      'probeVideo',
      'produceAtomic',
      'redact',
      'registerSecret',
      'resolveFfmpeg',
      'runFfmpeg',
      'safeUrl',
    ],
  },
  './backend': {
    source: './src/backend.ts',
    load: () => import('./backend.js'),
    names: [
      'DEFAULT_JOB_POLICY',
      'ERROR_CODES',
      'SPECIFICATION_VERSION',
      'TQDM_PATTERN',
      'TtvError',
      'callBackend',
      'checkImage',
      'checkRequest',
      'clipResult',
      'defineBackend',
      'describeDurations',
      'deterministicSeed',
      'displayCommand',
      'durationAllowed',
      'fsError',
      'invalidInput',
      'isCudaOom',
      'isRemoteBackend',
      'nearestDuration',
      'nearestResolution',
      'outputTail',
      'pollingConfigSchema',
      'processFailure',
      'produceAtomic',
      'redact',
      'registerSecret',
      'resolutionLabel',
      'runProcess',
      'safeUrl',
      'sha256',
      'sha256File',
      'sleep',
      'supportsInput',
      'tempPathFor',
      'throwIfAborted',
      'toTtvError',
      'ttvError',
      'withJitter',
      'writeFileAtomic',
    ],
  },
  './engine': {
    source: './src/engine.ts',
    load: () => import('./engine.js'),
    names: [
      'FIRST_PARTY_BACKENDS',
      'candidatePackages',
      'capabilityProblems',
      'coreConfigSchema',
      'installCommand',
      'negotiate',
      'parseSection',
      'planImages',
      'planStoryboard',
      'readManifest',
      'redact',
      'validatePlanInputs',
    ],
  },
  './media': {
    source: './src/media/index.ts',
    load: () => import('./media/index.js'),
    names: [
      'encodeStill',
      'extractFirstFrame',
      'extractFrame',
      'extractLastFrame',
      'fitImage',
      'imagePsnr',
      'joinSegments',
      'probeImage',
      'probeVideo',
      'resolveFfmpeg',
      'runFfmpeg',
      'runFfprobe',
      'useFfmpegBinaries',
    ],
  },
  './testing': {
    source: './src/media/testing.ts',
    load: () => import('./media/testing.js'),
    names: ['NUMBERED_BITS', 'makeTestClip', 'makeTestImage', 'readTestFrameIndex'],
  },
};

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, unknown> };

describe('@ttv/core entries', () => {
  it('package.json exports exactly these entries, each from its source file', () => {
    const exported = Object.entries(pkg.exports).filter(([key]) => key !== './package.json');
    expect(Object.fromEntries(exported.map(([key, value]) => [key, (value as { 'ttv-source': string })['ttv-source']]))).toEqual(
      Object.fromEntries(Object.entries(ENTRIES).map(([key, entry]) => [key, entry.source])),
    );
  });

  it.each(Object.entries(ENTRIES))('%s exports exactly its pinned runtime names', async (_key, entry) => {
    const names = Object.keys(await entry.load()).sort();
    expect(names).toEqual([...entry.names].sort());
  });

  it('the media entry ships no test clip makers (they live in @ttv/core/testing)', async () => {
    const media = await import('./media/index.js');
    expect(Object.keys(media)).not.toContain('makeTestClip');
  });
});
