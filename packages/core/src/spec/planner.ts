import type { z } from 'zod';
import type { BackendCreateContext, CallContext, CostEstimate, DoctorCheck, SpecificationVersion } from './backend.js';

/**
 * The planner specification (issue #12), the third plugin kind beside video backends and image generators, found
 * by config name (`planner: <name>`). This version carries the part the engine calls today: `reword`, which
 * `onModeration: reword` uses to rewrite a prompt a provider refused, keeping the story. Planning a script into a
 * storyboard (`plan`) follows with the LLM planners.
 */

export interface RewordRequest {
  /** The prompt that was refused. */
  prompt: string;
  /** The provider's refusal, as its error message said it (secrets already masked). */
  refusal: string;
  /** 1 for the first rewording of this segment, 2 for the next… */
  attempt: number;
}

export interface RewordResult {
  prompt: string;
  costUsd: number;
}

export interface Planner {
  readonly specificationVersion: SpecificationVersion;
  /** A rewrite of a refused prompt that keeps the story. Honour `context.signal`; map failures to TtvErrors. */
  reword(request: RewordRequest, context: CallContext): Promise<RewordResult>;
  /** Deterministic, offline, ≥ 0, never below what the call will be charged. */
  estimateCost(request: RewordRequest): CostEstimate;
  doctor?(): Promise<DoctorCheck[]>;
  dispose?(): Promise<void>;
}

export interface PlannerPlugin<Config = unknown> {
  readonly specificationVersion: SpecificationVersion;
  /** Config name (`planner: <name>`) and the name of its config section. */
  readonly name: string;
  readonly displayName: string;
  readonly kind: 'embedded' | 'local' | 'remote';
  readonly configSchema: z.ZodType<Config>;
  readonly secretFields?: readonly string[];
  /** Cheap, no network I/O. */
  create(config: Config, context: BackendCreateContext): Planner | Promise<Planner>;
}

/** Identity helper that type-checks a planner plugin definition. */
export function definePlanner<Config>(plugin: PlannerPlugin<Config>): PlannerPlugin<Config> {
  return plugin;
}
