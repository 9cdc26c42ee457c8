/**
 * @ttv/backend-kenburns: ttv's embedded default backend. Pan/zoom moves over still pictures and keyframe
 * dissolves, rendered locally with ffmpeg (no GPU, no API key, no cost).
 */
import { backend } from './kenburns-plugin.js';

export { backend };
export default backend;
export { configSchema, defaultConfig, type KenBurnsConfig, type Motion } from './config.js';
export { type CameraMove, chooseMove, describeMove, firstFrameGraph, firstLastGraph, fitCover, warpFilter } from './filters.js';
export { backendInfo, KenBurnsBackend, MODEL_ID, modelCapabilities, RESOLUTIONS } from './kenburns-backend.js';
