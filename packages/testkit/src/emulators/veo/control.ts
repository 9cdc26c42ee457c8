/** The Veo emulator's controls: `emulator.script`, stats, the operations list and reset. */
import type { VeoOperationState, VeoScript, VeoState, VeoStats } from './types.js';

export function createVeoScript(state: VeoState): VeoScript {
  return {
    nextOperation(...s) {
      state.scripts.push(...s.map((x) => ({ ...x })));
    },
    lastFrameRejection(mode) {
      state.lastFrameRejection = mode;
    },
    pending: () => state.scripts.map((s) => ({ ...s })),
    clear() {
      state.scripts = [];
    },
  };
}

export function veoOperations(state: VeoState): VeoOperationState[] {
  return [...state.operations.values()].map((op) => ({
    name: op.name,
    model: op.model,
    polls: op.polls,
    done: op.final !== undefined,
    createdAt: op.createdAt,
    ...(op.request.video ? { extension: { inputSha256: op.request.video.sha256, inputFrames: op.request.video.frames } } : {}),
    ...(op.request.referenceImages ? { referenceTypes: op.request.referenceImages.map((r) => r.referenceType) } : {}),
  }));
}

/** Forgets operations, scripts, objects and counters (`emulator.reset()`). */
export function resetVeoState(state: VeoState): void {
  state.operations.clear();
  state.scripts = [];
  state.buckets.clear();
  state.lastFrameRejection = state.options.lastFrameRejection ?? 'submit';
  for (const k of Object.keys(state.counters) as Array<keyof VeoStats>) state.counters[k] = 0;
}

/** A render slot queue: at most `slots` renders at once, the rest wait in order. */
export function renderSlots(slots: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
