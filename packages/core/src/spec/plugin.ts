import type { z } from 'zod';
import type { BackendCreateContext, CostEstimate, DoctorCheck, SpecificationVersion } from './backend.js';

/**
 * What every plugin kind beside video backends declares (image generators, planners): found by its config name,
 * configured by its own strict section, created cheaply and without network I/O.
 */
export interface PluginBase<Config, Instance> {
  readonly specificationVersion: SpecificationVersion;
  /** Config name (`images: <name>`, `planner: <name>`) and the name of its config section. */
  readonly name: string;
  readonly displayName: string;
  readonly kind: 'embedded' | 'local' | 'remote';
  /** Zod schema of its config section (strict: unknown keys are errors). */
  readonly configSchema: z.ZodType<Config>;
  /** Dotted paths within the section that hold secrets (never written or printed). */
  readonly secretFields?: readonly string[];
  /** Cheap, no network I/O (connect on first use). */
  create(config: Config, context: BackendCreateContext): Instance | Promise<Instance>;
}

/** What every instance of those kinds has besides its own call: the spec version, a cost estimate, `doctor`, `dispose`. */
export interface InstanceBase<Request> {
  readonly specificationVersion: SpecificationVersion;
  /** Deterministic, offline, ≥ 0, and never below what the call will be charged. */
  estimateCost(request: Request): CostEstimate;
  /** Prerequisite checks for `ttv doctor`. */
  doctor?(): Promise<DoctorCheck[]>;
  dispose?(): Promise<void>;
}
