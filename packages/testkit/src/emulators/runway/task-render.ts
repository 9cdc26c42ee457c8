/** Renders a task's output (an MP4 from its input frames, or a text-to-image PNG), one ffmpeg at a time. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FrameSource, renderClip } from './render.js';
import { renderStill } from './render-still.js';
import type { RunwayState, RunwayTask } from './types.js';
import { uploadForUri } from './uploads.js';

function extFor(mediaType: string): string {
  return mediaType === 'image/png' ? 'png' : mediaType === 'image/webp' ? 'webp' : 'jpg';
}

/** The file (or, for an https URL the emulator does not fetch, a flat colour) of an input image; `name` names the copy. */
async function resolveImage(state: RunwayState, ref: { uri: string }, taskId: string, name: string): Promise<FrameSource> {
  if (ref.uri.startsWith('https://')) return { color: '0x808080' };
  if (ref.uri.startsWith('runway://')) {
    const upload = uploadForUri(state, ref.uri);
    return { file: upload!.path! };
  }
  const m = /^data:([^;,]+)[^,]*,(.*)$/s.exec(ref.uri)!;
  const file = join(state.workDir, 'outputs', `${taskId}-${name}.${extFor(m[1]!.toLowerCase())}`);
  await writeFile(file, Buffer.from(m[2]!, 'base64'));
  return { file };
}

async function renderImageTask(state: RunwayState, task: RunwayTask): Promise<void> {
  const { request } = task;
  const references = await Promise.all((request.references ?? []).map((ref, i) => resolveImage(state, ref, task.id, `ref${i}`)));
  // A reference stands in for the input image when a failed render is blamed (ASSET.INVALID).
  if (references[0]) state.sourceCache.set(task.id, { first: references[0] });
  await renderStill({
    output: task.outputPath,
    width: request.width,
    height: request.height,
    promptText: request.promptText ?? '',
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
    references,
    signal: task.abort.signal,
  });
}

/** Queues the task's render; `task.render` resolves when it is done (`task.renderError` on failure). */
export function startRender(state: RunwayState, task: RunwayTask): void {
  const job = async (): Promise<void> => {
    if (task.cancelled || task.abort.signal.aborted) return;
    try {
      if (task.route === 'text_to_image') {
        await renderImageTask(state, task);
        return;
      }
      const sources: { first?: FrameSource; last?: FrameSource } = {};
      if (task.request.first) sources.first = await resolveImage(state, task.request.first, task.id, 'first');
      if (task.request.last) sources.last = await resolveImage(state, task.request.last, task.id, 'last');
      state.sourceCache.set(task.id, sources);
      await renderClip({
        output: task.outputPath,
        width: task.request.width,
        height: task.request.height,
        duration: task.request.duration,
        ...sources,
        ...(task.request.promptText !== undefined ? { promptText: task.request.promptText } : {}),
        audio: task.request.audio,
        signal: task.abort.signal,
      });
    } catch (error) {
      if (!task.abort.signal.aborted) task.renderError = error as Error;
    }
  };
  // One ffmpeg at a time: tests share two cores.
  const p = state.renderChain.then(job);
  state.renderChain = p;
  task.render = p;
  state.renders.add(p);
  void p.finally(() => state.renders.delete(p));
}
