import type { CallContext } from './backend.js';
import type { InstanceBase, PluginBase } from './plugin.js';

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

export interface Planner extends InstanceBase<RewordRequest> {
  /** A rewrite of a refused prompt that keeps the story. Honour `context.signal`; map failures to TtvErrors. */
  reword(request: RewordRequest, context: CallContext): Promise<RewordResult>;
}

export type PlannerPlugin<Config = unknown> = PluginBase<Config, Planner>;

/** Identity helper that type-checks a planner plugin definition. */
export function definePlanner<Config>(plugin: PlannerPlugin<Config>): PlannerPlugin<Config> {
  return plugin;
}
