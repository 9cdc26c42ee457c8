// Test helpers: a Wan2.1 stand-in checkout with fake checkpoints, and backends configured against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateRequest } from '@ttv/core';
import { makeTestImage } from '@ttv/core/testing';
import { makeFakeCheckpoint, type StandInEnvOptions, wan21StandIn } from '@ttv/testkit';
import { Wan21Backend } from './wan21-backend.js';
import { configSchema, type Wan21Config } from './wan21-config.js';

export interface WanFixture {
  dir: string;
  wanDir: string;
  torchrun: string;
  i2vCkpt: string;
  flfCkpt: string;
  /** 832x464 (16:9-ish) and 1280x720 test images. */
  images: { first: string; last: string; wide: string; wideLast: string };
  standInEnv(opts?: StandInEnvOptions): Record<string, string>;
  config(overrides?: Record<string, unknown>, env?: StandInEnvOptions): Wan21Config;
  backend(overrides?: Record<string, unknown>, env?: StandInEnvOptions): Wan21Backend;
  /** An i2v-14B request (1.0625 s, 832x464, the first image) writing to a fresh `<folder>-<n>/clip.mp4` under `dir`. */
  request(overrides?: Partial<GenerateRequest>, folder?: string): GenerateRequest;
  cleanup(): void;
}

export async function wanFixture(): Promise<WanFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'ttv-wan21-be-'));
  const wan = wan21StandIn({ dir: join(dir, 'Wan2.1') });
  const i2vCkpt = makeFakeCheckpoint(join(dir, 'Wan2.1-I2V-14B-480P'), 'i2v-14B');
  const flfCkpt = makeFakeCheckpoint(join(dir, 'Wan2.1-FLF2V-14B-720P'), 'flf2v-14B');
  const images = {
    first: join(dir, 'first.png'),
    last: join(dir, 'last.png'),
    wide: join(dir, 'wide.png'),
    wideLast: join(dir, 'wide-last.png'),
  };
  await Promise.all([
    makeTestImage(images.first, { width: 832, height: 464, pattern: 'gradient' }),
    makeTestImage(images.last, { width: 832, height: 464, pattern: 'testsrc2' }),
    makeTestImage(images.wide, { width: 1280, height: 720, pattern: 'gradient' }),
    makeTestImage(images.wideLast, { width: 1280, height: 720, pattern: 'testsrc2' }),
  ]);
  const standInEnv = (opts: StandInEnvOptions = {}) => wan.env({ loadMs: 20, stepMs: 1, ...opts });
  const config = (overrides: Record<string, unknown> = {}, env: StandInEnvOptions = {}) =>
    configSchema.parse({
      python: 'python3',
      wanDir: wan.wanDir,
      torchrun: wan.torchrun,
      checkpoints: { 'i2v-14B': i2vCkpt, 'flf2v-14B': flfCkpt },
      killGraceSeconds: 2,
      timeoutMinutes: 2,
      ...overrides,
      env: { ...standInEnv(env), ...((overrides.env as Record<string, string>) ?? {}) },
    });
  let requests = 0;
  const request = (overrides: Partial<GenerateRequest> = {}, folder = 'out'): GenerateRequest => ({
    model: 'i2v-14B',
    prompt: 'a calm lake at dawn',
    durationSec: 1.0625,
    width: 832,
    height: 464,
    firstFrame: images.first,
    outputPath: join(dir, `${folder}-${++requests}`, 'clip.mp4'),
    ...overrides,
  });
  return {
    dir,
    request,
    wanDir: wan.wanDir,
    torchrun: wan.torchrun,
    i2vCkpt,
    flfCkpt,
    images,
    standInEnv,
    config,
    backend: (overrides, env) => new Wan21Backend(config(overrides, env), { configDir: dir }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
