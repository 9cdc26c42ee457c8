/**
 * Pins the runtime names of every `@ttv/core` entry (docs/decisions/0004-core-entries.md), so that a new export,
 * or one that leaves, is a deliberate change made here. Types are not runtime names and are not listed.
 */
import { describe, expect, it } from 'vitest';
import { describePinnedEntries } from '../../testkit/src/entries.fixture.js';

const ENTRIES: Record<string, string[]> = {
  '.': [
    // config, running, estimating, the registry, the spec and the errors
    'BackendRegistry',
    'ERROR_CODES',
    'MODES',
    'SPECIFICATION_VERSION',
    'TtvError',
    'defineBackend',
    'describeBackend',
    'estimateRun',
    'isRemoteBackend',
    'loadConfig',
    'parseConfig',
    'runPipeline',
    'throwIfAborted',
    'toTtvError',
    'ttvError',
  ],
  './backend': [
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
    'defineImages',
    'describeBackend',
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
    'jobPolicyOf',
    'packageVersion',
    'timeoutsConfigSchema',
  ],
  './engine': [
    'FIRST_PARTY_BACKENDS',
    'cardImages',
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
  './media': [
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
    // seams and subtitles
    'SEAM_THRESHOLDS',
    'buildSrt',
    'compareFrames',
    'measureSeams',
    'seamFlagged',
    'segmentCues',
    'srtTime',
    // colour matching
    'decodeFrame',
    'matchTransfer',
  ],
  './testing': ['NUMBERED_BITS', 'makeTestClip', 'makeTestImage', 'readTestFrameIndex'],
};

describePinnedEntries('@ttv/core entries', new URL('../package.json', import.meta.url), ENTRIES);

describe('@ttv/core/media', () => {
  it('the media entry ships no test clip makers (they live in @ttv/core/testing)', async () => {
    const media = await import('./media/index.js');
    expect(Object.keys(media)).not.toContain('makeTestClip');
  });
});
