/**
 * The provider packages are optional peers, imported only when a config names them (a missing one is
 * BACKEND_NOT_INSTALLED with the install command). Each call gets a fresh provider with a fetch that
 *
 * - maps fal's hosts onto `baseURL` (`@ai-sdk/fal` ignores its own baseURL for video: the queue host is hard-coded,
 *   and the SDK only sends the key to, and trusts, the host it submitted to, so the URLs stay fal's and only the
 *   fetch moves them);
 * - remembers the last HTTP reply (status, headers, error body), because `@ai-sdk/fal` turns a failed result into
 *   a bare "Unprocessable Entity" and the detail (moderation, the invalid field) would be lost.
 */
import { importOptionalPeer } from '@ttv/core/backend';
import type { experimental_startVideo } from 'ai';
import type { ProviderId } from './ai-sdk-models.js';

/** A video model as the AI SDK's calls take it. */
export type VideoModel = Exclude<Parameters<typeof experimental_startVideo>[0]['model'], string>;

export const PROVIDER_PACKAGES: Record<ProviderId, string> = { fal: '@ai-sdk/fal', replicate: '@ai-sdk/replicate' };
export const KEY_VARIABLES: Record<ProviderId, readonly string[]> = { fal: ['FAL_KEY', 'FAL_API_KEY'], replicate: ['REPLICATE_API_TOKEN'] };

/** `import()` of a provider package; BACKEND_NOT_INSTALLED naming the install command when it is not installed. */
export function loadProvider<T>(provider: ProviderId, importer: () => Promise<T>): Promise<T> {
  const pkg = PROVIDER_PACKAGES[provider];
  return importOptionalPeer(
    { pkg, neededBy: `ai-sdk provider "${provider}"`, field: 'ai-sdk.provider', value: provider, beside: '@ttv/backend-ai-sdk' },
    importer,
  );
}

/** The last reply the provider's API gave (what `@ai-sdk/fal` does not pass on). */
export interface Reply {
  url: string;
  status: number;
  headers: Headers;
  /** The body of a reply that is not 2xx (first 4 KiB). */
  errorBody?: string;
}

export interface Connection {
  provider: ProviderId;
  apiKey: string | undefined;
  baseURL: string | undefined;
}

const FAL_HOST = /^(?:[\w-]+\.)*fal\.(?:run|media|ai)$/;

/** A URL the provider handed out, as this machine reaches it (fal's hosts on `baseURL`). */
export function reachable(connection: Connection, url: string): string {
  if (connection.provider !== 'fal' || !connection.baseURL) return url;
  const parsed = new URL(url);
  if (!FAL_HOST.test(parsed.hostname)) return url;
  const base = new URL(connection.baseURL);
  return `${base.origin}${base.pathname.replace(/\/$/, '')}${parsed.pathname}${parsed.search}`;
}

/** A fetch that moves fal's hosts onto `baseURL` and keeps the last reply in `replies`. */
export function recordingFetch(connection: Connection, replies: Reply[]): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await fetch(reachable(connection, url), init);
    const reply: Reply = { url, status: response.status, headers: response.headers };
    if (!response.ok) reply.errorBody = (await response.clone().text()).slice(0, 4096);
    replies.push(reply);
    return response;
  };
}

/** The SDK video model of `modelId`, on a provider configured with the key and that fetch. */
export async function videoModelOf(connection: Connection, modelId: string, fetchFn: typeof fetch): Promise<VideoModel> {
  const apiKey = connection.apiKey ?? '';
  if (connection.provider === 'fal') {
    const { createFal } = await loadProvider('fal', () => import('@ai-sdk/fal'));
    return createFal({ apiKey, fetch: fetchFn }).videoModel(modelId) as unknown as VideoModel;
  }
  const { createReplicate } = await loadProvider('replicate', () => import('@ai-sdk/replicate'));
  return createReplicate({ apiToken: apiKey, fetch: fetchFn, ...(connection.baseURL ? { baseURL: connection.baseURL } : {}) }).videoModel(
    modelId,
  ) as unknown as VideoModel;
}

/** The key and base URL from the config, else the provider's environment variables. */
export function resolveConnection(
  config: { provider: ProviderId; apiKey?: string | undefined; baseURL?: string | undefined },
  env: NodeJS.ProcessEnv,
): Connection {
  const fromEnv = KEY_VARIABLES[config.provider].map((name) => env[name]).find((v) => v !== undefined && v !== '');
  return { provider: config.provider, apiKey: config.apiKey ?? fromEnv, baseURL: config.baseURL };
}

/** The headers a direct call (cancel, fal's status look) carries: the key as each provider wants it. */
export function authHeaders(connection: Connection): Record<string, string> {
  const key = connection.apiKey ?? '';
  return connection.provider === 'fal' ? { authorization: `Key ${key}` } : { authorization: `Bearer ${key}` };
}
