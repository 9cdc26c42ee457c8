import type { PipelineEvent } from '@ttv/core';

interface Row {
  state: string;
  backend: string;
  percent?: number;
  started?: number;
  finished?: number;
  cost: number;
  note?: string;
}

const fmtTime = (ms: number) => {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/**
 * Renders pipeline events: on a terminal, a live table (one row per segment: state, backend, percent,
 * elapsed/ETA, cost); elsewhere, one plain line per state change.
 */
export class ProgressRenderer {
  private readonly rows: Row[] = [];
  private drawn = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {}

  handle(event: PipelineEvent): void {
    switch (event.type) {
      case 'run-start':
        for (let i = 0; i < event.segments; i++) this.rows[i] = { state: 'queued', backend: '', cost: 0 };
        this.line(`run ${event.runDir}: ${event.segments} segments, ${event.mode} mode${event.resumed ? ' (resuming)' : ''}`);
        if (this.live) this.timer = setInterval(() => this.draw(), 250).unref();
        break;
      case 'started':
        this.update(event.segment, {
          state: event.resumedJob ? 'resuming' : 'running',
          backend: `${event.backend}/${event.model}`,
          started: Date.now(),
          percent: 0,
        });
        this.line(
          `segment ${event.segment}: ${event.backend}/${event.model} attempt ${event.attempt}${event.resumedJob ? ` (re-attaching job ${event.resumedJob})` : ''}`,
        );
        break;
      case 'job':
        this.line(`segment ${event.segment}: ${event.backend} job ${event.jobId} submitted`);
        break;
      case 'progress':
        this.update(event.segment, {
          ...(event.fraction !== undefined ? { percent: event.fraction * 100 } : {}),
          ...(event.message ? { note: event.message } : {}),
        });
        break;
      case 'retry':
        this.update(event.segment, { state: 'retrying', note: event.error.code });
        this.line(`segment ${event.segment}: ${event.backend} ${event.error.code}, retrying in ${(event.delayMs / 1000).toFixed(1)} s`);
        break;
      case 'skipped':
        this.line(`segment ${event.segment}: skipped ${event.backend}: ${event.reason}`);
        break;
      case 'fallback':
        this.line(`segment ${event.segment}: ${event.from} failed (${event.error.code})${event.to ? `, falling back to ${event.to}` : ''}`);
        break;
      case 'warning':
        this.line(`warning${event.segment === undefined ? '' : ` (segment ${event.segment})`}: ${event.message}`);
        break;
      case 'cost':
        this.update(event.segment, { cost: (this.rows[event.segment]?.cost ?? 0) + event.usd });
        break;
      case 'done':
        this.update(event.segment, { state: event.cached ? 'cached' : 'done', backend: `${event.backend}/${event.model}`, percent: 100, finished: Date.now() });
        this.line(
          `segment ${event.segment}: ${event.cached ? 'reused' : 'done'} ${event.durationSec.toFixed(2)} s via ${event.backend}/${event.model}, $${event.costUsd.toFixed(2)}`,
        );
        break;
      case 'failed':
        this.update(event.segment, { state: event.error.code === 'CANCELLED' ? 'cancelled' : 'failed', note: event.error.code });
        this.line(`segment ${event.segment}: ${event.error.code === 'CANCELLED' ? 'cancelled' : `failed [${event.error.code}]`}`);
        break;
      case 'image':
        this.line(`${event.name}: image made${event.costUsd ? `, $${event.costUsd.toFixed(2)}` : ''}`);
        break;
      case 'join-start':
        this.line(`joining ${event.segments} segments`);
        break;
      case 'join-done':
        this.line(`wrote ${event.file} (${event.durationSec.toFixed(2)} s, ${event.method})`);
        break;
      case 'run-done':
        this.stop();
        break;
      default:
        break;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.live) this.draw();
  }

  private update(i: number, patch: Partial<Row>): void {
    const row = this.rows[i];
    if (row) Object.assign(row, patch);
    this.total = this.rows.reduce((a, r) => a + r.cost, 0);
    if (this.live) this.draw();
  }

  private line(text: string): void {
    if (this.live) {
      this.clear();
      this.stream.write(`${text}\n`);
      this.draw();
    } else {
      this.stream.write(`[${fmtTime(Date.now() - this.started)}] ${text}\n`);
    }
  }

  private clear(): void {
    if (this.drawn > 0) this.stream.write(`\x1b[${this.drawn}A\x1b[0J`);
    this.drawn = 0;
  }

  private draw(): void {
    this.clear();
    const lines = this.rows.map((r, i) => {
      const elapsed = r.started ? (r.finished ?? Date.now()) - r.started : 0;
      const eta = r.started && !r.finished && r.percent && r.percent > 1 ? (elapsed * (100 - r.percent)) / r.percent : undefined;
      const pct = r.percent === undefined ? '' : `${r.percent.toFixed(0).padStart(3)}%`;
      const time = r.started ? `${fmtTime(elapsed)}${eta === undefined ? '' : ` eta ${fmtTime(eta)}`}` : '';
      return `  ${String(i).padStart(3)}  ${r.state.padEnd(9)} ${r.backend.padEnd(22)} ${pct.padEnd(5)} ${time.padEnd(16)} $${r.cost.toFixed(2)}${r.note ? `  ${r.note}` : ''}`;
    });
    lines.push(`  total $${this.total.toFixed(2)}   elapsed ${fmtTime(Date.now() - this.started)}`);
    this.stream.write(`${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
