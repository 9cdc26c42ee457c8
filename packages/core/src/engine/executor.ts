import pLimit from 'p-limit';
import { TtvError } from '../spec/errors.js';

/** One unit of work: a segment, by index, and the tasks that must have succeeded before it starts. */
export interface ExecutorTask {
  index: number;
  dependsOn: number[];
}

/** What a backend call in a slot is (for executors that limit calls per backend across processes). */
export interface SlotInfo {
  segment: number;
  backend: string;
  model: string;
}

/**
 * Where and when segment tasks and backend calls run. The engine hands it the tasks (chaining: each depends on
 * the previous one; keyframe: independent) and wraps every backend call in `slot`. Policy, budget and manifest
 * stay in the engine: an executor only orders work, so a distributed one (queue workers) can replace the
 * in-process one. An executor serves one run.
 */
export interface Executor {
  /**
   * Runs every task whose dependencies succeeded (a task whose dependency failed is not run). Resolves when all
   * are settled; rejects with the first failure that is not a cancellation, else the first failure by index.
   * `signal` is the run's cancellation (the in-process executor leaves it to the tasks, which all watch it).
   */
  run(tasks: ExecutorTask[], runTask: (index: number) => Promise<void>, options: { signal: AbortSignal }): Promise<void>;
  /**
   * Runs one backend call in a call slot. When `endsRun(error)` says the call's error ends the run, the queue
   * stops before the slot is handed on: calls still waiting are refused with CANCELLED. A failed task stops
   * the queue too (unless it was itself cancelled). `info` names the call's segment and backend (the engine
   * always passes it; an executor may ignore it).
   */
  slot<T>(call: () => Promise<T>, endsRun: (error: unknown) => boolean, info?: SlotInfo): Promise<T>;
}

const cancelled = (e: unknown) => TtvError.is(e) && e.code === 'CANCELLED';

/**
 * The in-process executor: tasks run as promises of this process as soon as their dependencies are done, and at
 * most `concurrency` backend calls are in flight (only calls hold a slot: preparing a segment and checking a
 * finished one never keep a generation waiting).
 */
export function inProcessExecutor(options: { concurrency: number }): Executor {
  const limit = pLimit(Math.max(1, options.concurrency));
  let stopped = false;
  return {
    async run(tasks, runTask) {
      const settled = new Map<number, Promise<boolean>>();
      const failures: Array<{ index: number; error: unknown }> = [];
      let first: { error: unknown } | undefined;
      const runOne = async (task: ExecutorTask, after: Promise<boolean>[]): Promise<boolean> => {
        if (after.length > 0 && !(await Promise.all(after)).every(Boolean)) return false;
        try {
          await runTask(task.index);
          return true;
        } catch (error) {
          failures.push({ index: task.index, error });
          if (!first && !cancelled(error)) {
            first = { error };
            stopped = true;
          }
          return false;
        }
      };
      for (const task of tasks)
        settled.set(
          task.index,
          runOne(
            task,
            task.dependsOn.map((d) => settled.get(d) ?? Promise.resolve(true)),
          ),
        );
      await Promise.all(settled.values());
      if (first) throw first.error;
      if (failures.length > 0) throw failures.sort((a, b) => a.index - b.index)[0]!.error;
    },
    slot(call, endsRun) {
      return limit(async () => {
        if (stopped) throw new TtvError('CANCELLED', 'not started: another segment failed');
        try {
          return await call();
        } catch (e) {
          if (endsRun(e)) stopped = true;
          throw e;
        }
      });
    },
  };
}
