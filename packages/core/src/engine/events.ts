import type { Mode } from '../config/schema.js';
import type { TtvError } from '../spec/errors.js';

/** Typed progress events of a pipeline run. The CLI renders them; library users subscribe with `onEvent`. */
export type PipelineEvent =
  | { type: 'run-start'; runDir: string; mode: Mode; segments: number; resumed: boolean }
  | { type: 'queued'; segment: number }
  | { type: 'started'; segment: number; backend: string; model: string; attempt: number; resumedJob?: string }
  | { type: 'progress'; segment: number; fraction?: number; message?: string }
  | { type: 'job'; segment: number; backend: string; jobId: string }
  | { type: 'retry'; segment: number; backend: string; attempt: number; delayMs: number; error: TtvError }
  | { type: 'fallback'; segment: number; from: string; to?: string; error: TtvError }
  | { type: 'skipped'; segment: number; backend: string; reason: string }
  | { type: 'warning'; segment?: number; message: string }
  | { type: 'image'; name: string; file: string; costUsd: number }
  | { type: 'cost'; segment: number; backend: string; usd: number; totalUsd: number }
  | { type: 'done'; segment: number; backend: string; model: string; costUsd: number; durationSec: number; file: string; cached: boolean }
  | { type: 'failed'; segment: number; error: TtvError }
  | { type: 'join-start'; segments: number }
  | { type: 'join-done'; file: string; durationSec: number; method: string }
  | { type: 'log'; segment?: number; line: string }
  | { type: 'run-done'; status: 'done' | 'failed' | 'cancelled' | 'stopped'; totalCostUsd: number };

export type PipelineEventType = PipelineEvent['type'];
