/**
 * @ttv/backend-runway: Runway image-to-video (gen4_turbo, gen4.5, veo3.1, veo3.1_fast) through the official `@runwayml/sdk`, as
 * a remote job (submit, status, cancel): core polls, cancels, resumes and downloads; this package maps Runway's API,
 * costs and errors.
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './runway-plugin.js';

export { backend };
export default backend;
export type { RunwayConfig, RunwayConfigInput } from './runway-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
