/** The Veo emulator's outputs: a finished operation's videos, inline (base64) or written to `storageUri` in the buckets. */
import type { Operation, VeoState } from './types.js';

/** `count` samples of the rendered video, as `response.videos`. */
export function outputVideos(state: VeoState, op: Operation, video: Buffer, count: number): Array<Record<string, string>> {
  const { request, script } = op;
  const videos: Array<Record<string, string>> = [];
  for (let i = 0; i < count; i++) {
    if (request.storageUri) {
      const prefix = request.storageUri.endsWith('/') ? request.storageUri : `${request.storageUri}/`;
      const gcsUri = `${prefix}${op.id.replace(/-/g, '').slice(0, 19)}/sample_${i}.mp4`;
      if (!script.missingOutputObject) state.buckets.putUri(gcsUri, video, { contentType: 'video/mp4' });
      videos.push({ gcsUri, mimeType: 'video/mp4' });
    } else {
      videos.push({ bytesBase64Encoded: video.toString('base64'), mimeType: 'video/mp4' });
    }
  }
  return videos;
}
