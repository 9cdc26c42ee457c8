/** Test helpers of the Runway emulator tests (not part of the public API). */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import RunwayML from '@runwayml/sdk';
import { runFfmpeg } from '@ttv/core/media';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startRunwayEmulator } from './emulator.js';
import type { RunwayEmulator } from './types.js';

export async function tempDir(prefix = 'ttv-runway-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A PNG made from a lavfi source (default testsrc2 640x360), written to `file`; returns its bytes. */
export async function makePng(file: string, source = 'testsrc2=size=640x360'): Promise<Buffer> {
  await runFfmpeg(['-f', 'lavfi', '-i', source, '-frames:v', '1', file]);
  return readFile(file);
}

export function dataUri(png: Buffer, mediaType = 'image/png'): string {
  return `data:${mediaType};base64,${png.toString('base64')}`;
}

export function client(emulator: RunwayEmulator, overrides: Partial<ConstructorParameters<typeof RunwayML>[0]> = {}): RunwayML {
  return new RunwayML({ apiKey: 'key_test', baseURL: emulator.url, maxRetries: 0, ...overrides });
}

export type Task = Awaited<ReturnType<RunwayML['tasks']['retrieve']>>;

/** Polls `tasks.retrieve` every `intervalMs` until a terminal status; returns every observed task object. */
export async function pollUntilDone(c: RunwayML, id: string, intervalMs = 100, timeoutMs = 60_000): Promise<Task[]> {
  const seen: Task[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = await c.tasks.retrieve(id);
    seen.push(task);
    if (task.status === 'SUCCEEDED' || task.status === 'FAILED' || task.status === 'CANCELLED') return seen;
    if (Date.now() > deadline) throw new Error(`task ${id} still ${task.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A test file's Runway emulator (outputs at 1/8 size) and a data-URI prompt image made from the lavfi `source`:
 * started before its tests (handed to `ready`), reset before each test, closed after the last.
 */
export function useRunwayEmulator(options: { source: string; taskDurationMs: number }, ready: (emu: RunwayEmulator, image: string) => void): void {
  let emu: RunwayEmulator | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    const image = dataUri(await makePng(join(t.dir, 'p.png'), options.source));
    emu = await startRunwayEmulator({ outputScale: 8, taskDurationMs: options.taskDurationMs });
    ready(emu, image);
  });
  afterAll(async () => {
    await emu?.close();
    await cleanup?.();
  });
  beforeEach(() => emu!.reset());
}
