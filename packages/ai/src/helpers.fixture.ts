/** Test helpers of @ttv/ai (not published): the emulators for a test file, call contexts, requests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext, PlanRequest } from '@ttv/core/backend';
import { type GeminiEmulator, type OpenAIEmulator, startGeminiEmulator, startOpenAIEmulator } from '@ttv/testkit/emulators';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface Emulators {
  openai: OpenAIEmulator;
  gemini: GeminiEmulator;
  dir: string;
}

/** Both emulators (pictures at 1/8 size) and a scratch folder for a test file, reset before each test. */
export function useEmulators(): Emulators {
  const emus = {} as Emulators;
  beforeAll(async () => {
    emus.openai = await startOpenAIEmulator({ imageScale: 8 });
    emus.gemini = await startGeminiEmulator({ imageScale: 8 });
    emus.dir = await mkdtemp(join(tmpdir(), 'ttv-ai-test-'));
  });
  afterAll(async () => {
    await emus.openai?.close();
    await emus.gemini?.close();
    if (emus.dir) await rm(emus.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    emus.openai.reset();
    emus.gemini.reset();
  });
  return emus;
}

export function context(signal: AbortSignal = new AbortController().signal, log: string[] = []): CallContext {
  return { signal, log: (line: string) => log.push(line), workDir: tmpdir() };
}

export const SCRIPT =
  'Mara climbs the cliff path to the old lighthouse. The storm breaks over the sea. She forces the rusted door open. ' +
  'Inside, she lights the great lamp. Far out, the fishing boats turn towards the light. At dawn, Mara watches them reach the harbour.';

export function planRequest(overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    script: SCRIPT,
    mode: 'keyframe',
    segmentDurationSec: 5,
    minSegmentSec: 2,
    maxSegmentSec: 8,
    segmentCount: 3,
    maxSegments: 20,
    cast: [{ name: 'Mara', kind: 'character', description: 'a tall woman of forty in a yellow oilskin coat, short grey hair' }],
    ...overrides,
  };
}
