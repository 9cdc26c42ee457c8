/**
 * @ttv/backend-kenburns: ttv's embedded default backend. Pan/zoom moves over still pictures and keyframe dissolves, rendered locally
 * with ffmpeg (no GPU, no API key, no cost).
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './kenburns-plugin.js';

export { backend };
export default backend;
export type { KenBurnsConfig } from './kenburns-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
