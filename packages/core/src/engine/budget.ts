import { TtvError } from '../spec/errors.js';

export interface BudgetLimits {
  /** Stop before any call that would make the run cost more. */
  maxUsd?: number;
  /** Warn once when the run passes this cost. */
  warnUsd?: number;
}

export interface BudgetState {
  /** Already spent (booked), e.g. by earlier runs of the same folder. */
  spentUsd?: number;
  /** Whether the warnUsd warning was already given. */
  warned?: boolean;
}

/** Text of the once-only warnUsd warning; manifests recognise it by this prefix. */
export const WARN_PREFIX = 'budget.warnUsd';

/**
 * The run's money: what is spent (booked), what is in flight (reserved by calls that started), and the limits.
 * `runPipeline` reserves an estimate before each call, releases it when the call ends and books what the call
 * cost; `estimateRun` books each segment's estimate to find where a run would stop or warn. Same rules for both.
 */
export class Budget {
  private spent: number;
  private reserved = 0;
  private warned: boolean;

  constructor(
    readonly limits: BudgetLimits,
    state: BudgetState = {},
  ) {
    this.spent = state.spentUsd ?? 0;
    this.warned = state.warned ?? false;
  }

  get spentUsd(): number {
    return this.spent;
  }

  get reservedUsd(): number {
    return this.reserved;
  }

  /** Whether a call estimated at `usd` would take spent + in flight past `maxUsd`. */
  wouldCross(usd: number): boolean {
    return this.limits.maxUsd !== undefined && this.spent + this.reserved + usd > this.limits.maxUsd + 1e-9;
  }

  /**
   * Holds `usd` for a call about to start. With `check` (the default) it first refuses, with BUDGET_EXCEEDED,
   * a call that would cross `maxUsd`; `what` names the call in that message (e.g. `segment 2 on a/a-model`).
   */
  reserve(usd: number, what: string, check = true): void {
    const max = this.limits.maxUsd;
    if (check && max !== undefined && this.wouldCross(usd)) {
      const inFlight = this.reserved ? ` (+$${this.reserved.toFixed(2)} in flight)` : '';
      throw new TtvError(
        'BUDGET_EXCEEDED',
        `${what} would cost about $${usd.toFixed(2)}; spent $${this.spent.toFixed(2)}${inFlight} of budget.maxUsd $${max.toFixed(2)}`,
        {
          field: 'budget.maxUsd',
          value: max,
          fix: 'raise budget.maxUsd, choose a cheaper backend or model, or shorten the film; finished segments are kept and reused on the next run',
        },
      );
    }
    this.reserved += usd;
  }

  /** Gives back a reservation when its call ended. */
  release(usd: number): void {
    this.reserved -= usd;
  }

  /**
   * Books what a call cost. Returns the new total and, the first time the total reaches `warnUsd`, the warning
   * to give (once per run folder: a folder whose manifest already holds it starts `warned`).
   */
  book(usd: number): { totalUsd: number; warning?: string } {
    this.spent = Number((this.spent + usd).toFixed(6));
    const warnUsd = this.limits.warnUsd;
    if (this.warned || warnUsd === undefined || this.spent < warnUsd) return { totalUsd: this.spent };
    this.warned = true;
    return { totalUsd: this.spent, warning: `${WARN_PREFIX}: the run has cost $${this.spent.toFixed(2)} (warning threshold $${warnUsd.toFixed(2)})` };
  }
}
