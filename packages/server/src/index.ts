/**
 * `@ttv/server`: ttv past one machine (docs/decisions/0008-serve-on-bullmq.md). Films are BullMQ jobs on Redis;
 * workers run each film's pipeline in its run folder of a shared run store, with per-backend call limits held
 * across all workers; `startServer` is the HTTP API of `ttv serve`; `apiClient` is what `ttv submit/status/cancel` use.
 */
export { type ApiClient, type ApiClientOptions, apiClient } from './client.js';
export type { BackendSections } from './film-config.js';
export type { FilmRecord, FilmStatus } from './films.js';
export { type BackendLimits, backendLeases, leasedExecutor } from './leases.js';
export { DEFAULT_QUEUE } from './queue.js';
export { directoryRunStore, type RunStore } from './run-store.js';
export { type RunningServer, type ServeOptions, startServer } from './serve.js';
export type { FilmStatusReply, SegmentStatus } from './service.js';
export { DEFAULT_SETTINGS, loadServerSettings, type ServerSettings } from './settings.js';
export { DEFAULT_POLICY, type SubmitPolicy } from './submission.js';
export { addToken, loadTokens, type TokenCheck, tokenCheck } from './tokens.js';
export { type RunningWorker, startWorker, type WorkerOptions } from './worker.js';
