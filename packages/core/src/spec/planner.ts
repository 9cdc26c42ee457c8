import type { CallContext } from './backend.js';
import type { InstanceBase, PluginBase } from './plugin.js';

/**
 * The planner specification (issue #12), the third plugin kind beside video backends and image generators, found
 * by config name (`planner: <name>`). A planner turns one long script into a storyboard (`plan`: each segment a
 * video prompt, the still it ends on, a duration and the cast present) and rewrites a prompt a provider refused,
 * keeping the story (`reword`, for `onModeration: reword`). Core checks every plan it returns (`checkPlanResult`):
 * a broken or partial answer is repaired where that is safe and refused with `PLAN_INVALID` where it is not.
 */

/** A member of the film's cast, as the planner sees it (its reference image stays with core). */
export interface PlanCastMember {
  name: string;
  kind: 'character' | 'place' | 'style';
  description: string;
}

export interface PlanRequest {
  /** The script (`storyboard.prompt`). */
  script: string;
  mode: 'chaining' | 'keyframe' | 'extend';
  /** The film's target length in seconds (`storyboard.totalDuration`), when set. */
  totalDurationSec?: number;
  /** The preferred seconds per segment (`segmentDuration`); segments may differ within `[minSegmentSec, maxSegmentSec]`. */
  segmentDurationSec: number;
  minSegmentSec: number;
  maxSegmentSec: number;
  /** The exact number of segments, when fixed (e.g. one per `storyboard.keyframes` image). */
  segmentCount?: number;
  /** The most segments a plan may have. */
  maxSegments: number;
  /** Named characters and places: each prompt that shows one must repeat its full description. */
  cast: PlanCastMember[];
}

export interface PlanSegment {
  /** What happens, for the video model: action and camera, self-contained. */
  prompt: string;
  /** The still the segment ends on, for the image generator (no camera movement). Required in keyframe mode. */
  keyframePrompt?: string;
  durationSec: number;
  /** Names of the cast members present. */
  cast?: string[];
}

export interface PlanResult {
  segments: PlanSegment[];
  costUsd: number;
  /** What the planner had to repair in the model's answer, for the log. */
  warnings?: string[];
}

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
  /** Plans the script into a storyboard. Honour `context.signal`; a malformed answer throws `PLAN_INVALID`. */
  plan(request: PlanRequest, context: CallContext): Promise<PlanResult>;
  /** What `plan` will cost at most (deterministic, offline). */
  estimatePlanCost(request: PlanRequest): { usd: number };
  /** A rewrite of a refused prompt that keeps the story. Honour `context.signal`; map failures to TtvErrors. */
  reword(request: RewordRequest, context: CallContext): Promise<RewordResult>;
}

export type PlannerPlugin<Config = unknown> = PluginBase<Config, Planner>;

/** Identity helper that type-checks a planner plugin definition. */
export function definePlanner<Config>(plugin: PlannerPlugin<Config>): PlannerPlugin<Config> {
  return plugin;
}
