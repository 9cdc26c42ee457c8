import type { BackendCreateContext, BackendInfo, BackendPlugin, GenerateRequest, ModelCapabilities, VideoBackend } from '@ttv/core';

/** A monotonic counter the suite reads before and after a step (e.g. jobs an emulator created). */
export interface Counter {
  count(): number | Promise<number>;
}

export type ConformanceTier = 'unit' | 'live';

/**
 * Unit tier, remote backends: how the suite holds the service emulator's jobs and submissions, so the money
 * checks synchronise on events instead of racing timers. Each method may return a promise.
 */
export interface JobControls {
  /** From now on, running jobs do not finish (they stay pending at the service) until `releaseJobs`. */
  holdJobs(): void | Promise<void>;
  releaseJobs(): void | Promise<void>;
  /**
   * From now on, the service accepts (and charges: the `spend` counter moves) a submission when it arrives, but
   * holds its response until `releaseSubmissions`.
   */
  holdSubmissions(): void | Promise<void>;
  releaseSubmissions(): void | Promise<void>;
}

/** Unit tier, remote backends: faults the emulator injects into the next request the backend makes. */
export interface FaultControls {
  /** The next request fails at the network level (e.g. a connection reset). */
  failNextRequest(): void | Promise<void>;
  /** The next request is answered with an HTTP error (e.g. 401) whose body repeats the credentials it carried. */
  echoSecretInError(): void | Promise<void>;
}

export interface ConformanceOptions {
  /** Name shown in the suite title, e.g. `runway (emulator)`. */
  name: string;
  /**
   * The plugin under test (the package's default export). The suite reads the capabilities from
   * `plugin.describe(config)`, the one place a backend states them, and checks the backend against them.
   */
  // biome-ignore lint/suspicious/noExplicitAny: a plugin for any config type
  plugin: BackendPlugin<any>;
  /**
   * The backend's config section as a user writes it (parsed with `plugin.configSchema`, so defaults are filled
   * in). A function when it depends on something started later, e.g. an emulator's URL. Default `{}`.
   */
  config?: unknown;
  /** What `create` gets besides the config (default: `configDir` the working directory, `env` process.env). */
  context?: Partial<BackendCreateContext>;
  /**
   * Makes a fresh backend, once per check (default: `plugin.create(config, context)`), e.g. to wire a test
   * stand-in. It gets the parsed config; the capabilities still come from `plugin.describe(config)`.
   */
  // biome-ignore lint/suspicious/noExplicitAny: the plugin's config type
  create?: (config: any, context: BackendCreateContext) => VideoBackend | Promise<VideoBackend>;
  /** Model to test (default: the backend's defaultModel). */
  model?: string;
  /** `unit` (default): offline, against an emulator or a local tool. `live`: a real service, gated by `live`. */
  tier?: ConformanceTier;
  /** Live tier gate: the suite is skipped, printing `reason`, unless `skipUnless` is (or returns) true. */
  live?: { skipUnless: boolean | (() => boolean); reason: string };
  /** Output size to request (default: the model's smallest declared resolution). */
  requestSize?: { width: number; height: number };
  /** Clip length to request in seconds (default: the declared duration nearest to 1 s). */
  duration?: number;
  /** Values (API keys, tokens) that must never appear in an error's message, fix or JSON. */
  secrets?: string[];
  /** Counts paid work started (jobs submitted, credits spent, calls made): must not move during validate. */
  spend?: Counter;
  /** Counts network requests (e.g. the emulator's recorded requests): must not move during validate or estimateCost. */
  network?: Counter;
  /** Counts remote cancellations: must increase when a running generation is aborted. */
  cancels?: Counter;
  /** The backend persists jobs through ctx.onJob and re-attaches with ctx.resumeJob (remote backends). */
  remote?: { resume: true };
  /** Unit tier: holds the emulator's jobs and submissions (checks `job-reported-early`, `abort-during-submit`; steadies `abort-paid-job`). */
  jobs?: JobControls;
  /** Unit tier: network and HTTP faults for the next request (check `network-errors`). */
  faults?: FaultControls;
  /**
   * First-last-frame clips must end exactly on the last image (PSNR ≥ 30 dB). Without it, the clip's last frame
   * must still be closer to the last image than to the first (`last-frame-similarity`, always run).
   */
  expectExactEndFrame?: boolean;
  /** Per-check timeout (default 60 s unit, 15 min live). */
  timeoutMs?: number;
  /**
   * Checks to skip, by id. Prefer the object form, `{ 'validate-size': 'why' }`: the reason is printed with the
   * skipped test. Every check skipped is a part of the contract this backend is not tested for.
   */
  skip?: string[] | Record<string, string>;
  /** Test API to register with (default: `describe`, `it`, `beforeAll`, `afterAll` from `vitest`). */
  api?: TestApi;
}

/** The subset of a vitest/jest-like API the suite registers with. */
export interface TestApi {
  describe: (name: string, fn: () => void) => unknown;
  it: (name: string, fn: (context: { skip?: (note?: string) => void }) => Promise<void>, timeout?: number) => unknown;
  beforeAll: (fn: () => Promise<void>, timeout?: number) => unknown;
  afterAll: (fn: () => Promise<void>, timeout?: number) => unknown;
}

/** Everything a check needs: the options, the backend's declared capabilities and fixture files. */
export interface ConformanceContext {
  readonly options: ConformanceOptions;
  readonly tier: ConformanceTier;
  /** Capabilities the plugin declares: `plugin.describe(config)`. */
  readonly info: BackendInfo;
  /** The model under test. */
  readonly model: ModelCapabilities;
  /** Directory for this suite's fixtures and outputs (removed by dispose). */
  readonly dir: string;
  /** Fixture images at the request size: first and last (two different smooth gradients), unreadable (text named .png). */
  readonly images: { first: string; last: string; unreadable: string; missing: string };
  /** A fresh backend (disposed by `withBackend`). */
  withBackend<T>(fn: (backend: VideoBackend) => Promise<T>): Promise<T>;
  /** A valid request for `model` (default: the model under test) writing into a fresh, empty directory. */
  request(overrides?: Partial<GenerateRequest>, model?: ModelCapabilities): Promise<GenerateRequest>;
  dispose(): Promise<void>;
}

export interface ConformanceCheck {
  /** Stable id, e.g. `validate-size` (use it in `skip`). */
  id: string;
  /** The test name. */
  title: string;
  /** What the check verifies and why. */
  description: string;
  /** `true` when the check applies to this backend, else the reason it does not. */
  applies(ctx: ConformanceContext): true | string;
  /** Resolves when the backend conforms; rejects with a message saying what to fix. */
  run(ctx: ConformanceContext): Promise<void>;
}
