import { TtvError } from '../spec/errors.js';

/**
 * Hands out disjoint subsets of a GPU list. `acquire(n)` waits (FIFO) until n GPUs are free; the returned
 * release function gives them back. Parallel jobs never share a GPU.
 */
export class GpuPool {
  private readonly free: number[];
  private readonly waiters: Array<{ n: number; resolve: (gpus: number[]) => void }> = [];

  constructor(readonly gpus: number[]) {
    this.free = [...gpus];
  }

  async acquire(n: number, signal?: AbortSignal): Promise<{ gpus: number[]; release: () => void }> {
    if (n > this.gpus.length) {
      throw new TtvError('CONFIG_INVALID', `a job needs ${n} GPUs but only ${this.gpus.length} are configured (${this.gpus.join(', ')})`, {
        fix: 'lower gpusPerJob or list more GPUs',
      });
    }
    const gpus = await new Promise<number[]>((resolve, reject) => {
      const waiter = { n, resolve };
      this.waiters.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) {
            this.waiters.splice(i, 1);
            reject(new TtvError('CANCELLED', 'cancelled while waiting for GPUs'));
          }
        },
        { once: true },
      );
      this.pump();
    });
    let released = false;
    return {
      gpus,
      release: () => {
        if (released) return;
        released = true;
        this.free.push(...gpus);
        this.free.sort((a, b) => this.gpus.indexOf(a) - this.gpus.indexOf(b));
        this.pump();
      },
    };
  }

  private pump(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.n <= this.free.length) {
      const w = this.waiters.shift()!;
      w.resolve(this.free.splice(0, w.n));
    }
  }
}
