/**
 * @ttv/backend-ai-sdk: any Vercel AI SDK video model whose provider implements the SDK's start/status flow (fal,
 * Replicate) as a ttv remote job: core polls, cancels, resumes and downloads; this package maps the SDK's calls,
 * each model's fields, list prices and the providers' errors.
 */
import { packageVersion } from '@ttv/core/backend';
import { backend } from './ai-sdk-plugin.js';

export { backend };
export default backend;
export type { AiSdkConfig, AiSdkConfigInput } from './ai-sdk-config.js';

/** This package's version (from its package.json). */
export const VERSION: string = packageVersion(import.meta.url);
