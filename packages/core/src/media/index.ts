export { type FfmpegBinaries, type ResolveFfmpegOptions, resolveFfmpeg } from './binaries.js';
export { type RunMediaOptions, runFfmpeg, runFfprobe } from './run.js';
export { type ImageProbe, type ProbeOptions, type VideoProbe, probeImage, probeVideo } from './probe.js';
export { type FrameOptions, extractFirstFrame, extractFrame, extractLastFrame } from './frames.js';
export { type EncodeStillOptions, type FitImageOptions, type FitImageResult, encodeStill, fitImage, imagePsnr } from './encode.js';
export { type JoinInput, type JoinOptions, type JoinResult, type JoinTarget, joinSegments } from './join.js';
export {
  NUMBERED_BITS,
  type TestClipOptions,
  type TestImageOptions,
  makeTestClip,
  makeTestImage,
  readTestFrameIndex,
} from './testing.js';
