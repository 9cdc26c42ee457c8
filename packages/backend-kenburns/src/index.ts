/**
 * @ttv/backend-kenburns: ttv's embedded default backend. Pan/zoom moves over still pictures and keyframe dissolves, rendered locally
 * with ffmpeg (no GPU, no API key, no cost).
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { createRequire } from 'node:module';
import { backend } from './kenburns-plugin.js';

export { backend };
export default backend;
export type { KenBurnsConfig } from './config.js';

/** This package's version (from its package.json). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
