// First-last-frame clips must end near the last image, whatever expectExactEndFrame says.
import { join } from 'node:path';
import { extractLastFrame, fitImage, imagePsnr } from '@ttv/core/media';
import { fail } from '../context.js';
import { generateAndCheck } from '../helpers.js';
import type { ConformanceCheck } from '../types.js';

export const lastFrameSimilarity: ConformanceCheck = {
  id: 'last-frame-similarity',
  title: 'a first-last-frame clip ends closer to the last image than to the first',
  description:
    'For a model that declares first-last-frame, the last frame of a clip made from two different images is closer (PSNR) to request.lastFrame ' +
    'than to request.firstFrame: a backend that claims keyframes but drops the last image fails. Runs with or without expectExactEndFrame.',
  applies: (ctx) => (ctx.model.inputs.includes('first-last-frame') ? true : 'the model lacks first-last-frame'),
  async run(ctx) {
    const request = await ctx.request({ firstFrame: ctx.images.first, lastFrame: ctx.images.last });
    await ctx.withBackend((backend) => generateAndCheck(ctx, backend, request));
    const tag = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const frame = join(ctx.dir, `similarity-frame-${tag}.png`);
    const first = join(ctx.dir, `similarity-first-${tag}.png`);
    const last = join(ctx.dir, `similarity-last-${tag}.png`);
    const size = { width: request.width, height: request.height, fit: 'cover' as const, format: 'png' as const };
    await Promise.all([extractLastFrame(request.outputPath, frame), fitImage(ctx.images.first, first, size), fitImage(ctx.images.last, last, size)]);
    const toLast = await imagePsnr(frame, last);
    const toFirst = await imagePsnr(frame, first);
    if (!(toLast > toFirst)) {
      fail(
        `the clip's last frame is closer to request.firstFrame (${toFirst.toFixed(1)} dB PSNR) than to request.lastFrame (${toLast.toFixed(1)} dB): ` +
          `model ${ctx.model.id} declares first-last-frame but the last image looks ignored — send request.lastFrame to the service as the end frame ` +
          "(or remove 'first-last-frame' from the model's inputs if the service cannot take one)",
      );
    }
  },
};
