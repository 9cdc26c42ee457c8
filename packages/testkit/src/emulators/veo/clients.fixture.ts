/** Test helpers: the real genai / storage clients pointed at a Veo emulator. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GenerateVideosOperation, GoogleGenAI } from '@google/genai';
import { Storage } from '@google-cloud/storage';
import { fitImage } from '@ttv/core/media';
import { makeTestImage } from '@ttv/core/testing';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startVeoEmulator } from './emulator.js';
import type { VeoEmulator } from './types.js';

/** Removes the env vars genai / google-auth read, so a developer's shell cannot redirect or authenticate. */
export function clearGoogleEnv(): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('GOOGLE_') || key.startsWith('GEMINI_') || key === 'STORAGE_EMULATOR_HOST') delete process.env[key];
  }
}

export function vertexClient(emu: VeoEmulator, token = 'fake'): GoogleGenAI {
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return new GoogleGenAI({
    vertexai: true,
    project: emu.project,
    location: emu.location,
    apiVersion: 'v1',
    httpOptions: { baseUrl: emu.url },
    googleAuthOptions: { authClient },
  });
}

export function expressClient(emu: VeoEmulator, apiKey: string): GoogleGenAI {
  return new GoogleGenAI({ vertexai: true, apiKey, apiVersion: 'v1', httpOptions: { baseUrl: emu.url } });
}

export function storageClient(emu: VeoEmulator): Storage {
  return new Storage({ apiEndpoint: emu.url, projectId: emu.project });
}

export async function waitForOperation(ai: GoogleGenAI, op: GenerateVideosOperation, intervalMs = 100, maxPolls = 400): Promise<GenerateVideosOperation> {
  let current = op;
  for (let i = 0; !current.done; i++) {
    if (i >= maxPolls) throw new Error(`operation ${current.name} not done after ${maxPolls} polls`);
    await new Promise((r) => setTimeout(r, intervalMs));
    current = await ai.operations.getVideosOperation({ operation: current });
  }
  return current;
}

export interface Fixtures {
  dir: string;
  /** 320×240 gradient PNG. */
  png: Buffer;
  pngPath: string;
  /** The same picture as JPEG. */
  jpeg: Buffer;
  /** 240×320 testsrc2 PNG (a different picture, for lastFrame). */
  last: Buffer;
  lastPath: string;
  cleanup(): Promise<void>;
}

export async function makeFixtures(): Promise<Fixtures> {
  const dir = await mkdtemp(join(tmpdir(), 'ttv-veo-test-'));
  const pngPath = join(dir, 'first.png');
  const lastPath = join(dir, 'last.png');
  await makeTestImage(pngPath, { width: 320, height: 240, pattern: 'gradient' });
  await makeTestImage(lastPath, { width: 240, height: 320, pattern: 'mandelbrot' });
  await fitImage(pngPath, join(dir, 'first.jpg'), { width: 320, height: 240, fit: 'cover', format: 'jpeg' });
  return {
    dir,
    pngPath,
    lastPath,
    png: await readFile(pngPath),
    jpeg: await readFile(join(dir, 'first.jpg')),
    last: await readFile(lastPath),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A test file's Veo emulator (operations done at once, outputs at 1/16 size) and client fixtures: started before
 * its tests (handed to `ready`), reset before each test, closed after the last.
 */
export function useVeoEmulator(ready: (fx: Fixtures, emu: VeoEmulator) => void): void {
  let fx: Fixtures | undefined;
  let emu: VeoEmulator | undefined;
  beforeAll(async () => {
    clearGoogleEnv();
    fx = await makeFixtures();
    emu = await startVeoEmulator({ operationDurationMs: 0, outputScale: 16 });
    ready(fx, emu);
  });
  beforeEach(() => emu!.reset());
  afterAll(async () => {
    await emu?.close();
    await fx?.cleanup();
  });
}
