/**
 * @ttv/backend-veo3: Google Veo (2, 3, 3.1) on Vertex AI through @google/genai, with @google-cloud/storage for staged inputs
 * and gs:// outputs, as a remote job (submit, status, release; Veo has no remote cancel).
 *
 * The package's surface is its plugin (default export, also named `backend`), its config type and its version;
 * everything else is internal.
 */
import { createRequire } from 'node:module';
import { backend } from './plugin.js';

export { backend };
export default backend;
export type { VeoConfig, VeoConfigInput } from './config.js';

/** This package's version (from its package.json). */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
