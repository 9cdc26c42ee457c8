export { type FfmpegBinaries, type ResolveFfmpegOptions, resolveFfmpeg, useFfmpegBinaries } from './binaries.js';
export { type ColourTransfer, type DecodeFrameOptions, decodeFrame, matchTransfer } from './colour.js';
export { type EncodeStillOptions, encodeStill, type FitImageOptions, type FitImageResult, fitImage, imagePsnr } from './encode.js';
export { extractFirstFrame, extractFrame, extractLastFrame, type FrameOptions } from './frames.js';
export { type JoinInput, type JoinOptions, type JoinResult, type JoinTarget, joinSegments } from './join.js';
export { type ImageProbe, type ProbeOptions, probeImage, probeVideo, type VideoProbe } from './probe.js';
export { type RunMediaOptions, runFfmpeg, runFfprobe } from './run.js';
export { compareFrames, type Frame, type MeasureSeamsOptions, measureSeams, SEAM_THRESHOLDS, type SeamMetrics, seamFlagged } from './seams.js';
export { buildSrt, type Cue, segmentCues, srtTime } from './subtitles.js';
