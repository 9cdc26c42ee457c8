import type { RecordedRequest } from '../http.js';

/** What an emulated model API answered and booked, shared by the OpenAI and Gemini emulators (`emulator.stats()`). */

export interface ModelStats {
  /** Requests per route (every request received on it, faulted and rejected ones included). */
  requests: Record<string, number>;
  /** Calls the model answered (200 replies, refusals included): each one is billed. */
  answered: number;
  refusals: number;
  inputTokens: number;
  outputTokens: number;
  /** Pictures returned. */
  images: number;
  /** What the answered calls cost at list price (USD). */
  paidUsd: number;
}

export class ModelLedger {
  #stats: ModelStats = ModelLedger.empty();

  static empty(): ModelStats {
    return { requests: {}, answered: 0, refusals: 0, inputTokens: 0, outputTokens: 0, images: 0, paidUsd: 0 };
  }

  /** A billed answer: tokens, pictures and its price. */
  answer(entry: { inputTokens?: number; outputTokens?: number; images?: number; usd: number; refusal?: boolean }): void {
    const s = this.#stats;
    s.answered += 1;
    if (entry.refusal) s.refusals += 1;
    s.inputTokens += entry.inputTokens ?? 0;
    s.outputTokens += entry.outputTokens ?? 0;
    s.images += entry.images ?? 0;
    s.paidUsd = Math.round((s.paidUsd + entry.usd) * 1e9) / 1e9;
  }

  /** The stats, with `requests` counted from what the server recorded (faulted and rejected requests included). */
  stats(recorded: readonly RecordedRequest[]): ModelStats {
    const requests: Record<string, number> = {};
    for (const r of recorded) requests[r.path] = (requests[r.path] ?? 0) + 1;
    return { ...structuredClone(this.#stats), requests };
  }

  reset(): void {
    this.#stats = ModelLedger.empty();
  }
}
