/**
 * What the video backend (`runway:`) and the image generator (`runway-images:`) share to reach Runway: the key
 * (the section's `apiKey`, else `RUNWAYML_API_SECRET`), the base URL (the section's `baseUrl`, else
 * `RUNWAYML_BASE_URL`, else the public API), the SDK client with its retries off, and the error mapping of a
 * call cut off by ttv's own request timeout.
 */
import RunwayML from '@runwayml/sdk';
import { type DoctorCheck, registerSecret, safeUrl, TtvError } from '@ttv/core/backend';
import { mapSdkError } from './runway-errors.js';

export const DEFAULT_BASE_URL = 'https://api.dev.runwayml.com';
export const ENV_API_KEY = 'RUNWAYML_API_SECRET';
const ENV_BASE_URL = 'RUNWAYML_BASE_URL';

export interface RunwayConnection {
  /** The key (config or env). Missing → AUTH when the client is first needed. */
  apiKey?: string | undefined;
  /** Where the key came from, for messages (`runway.apiKey`, `RUNWAYML_API_SECRET`). */
  apiKeySource?: string;
  /** Base URL without a trailing slash. */
  baseUrl?: string;
}

/** The key and base URL of a config section (`section` names it in messages: `runway`, `runway-images`). */
export function resolveConnection(
  config: { apiKey?: string | undefined; baseUrl?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
  section: string,
): Required<Pick<RunwayConnection, 'baseUrl'>> & RunwayConnection {
  const fromEnv = env[ENV_API_KEY]?.trim();
  const apiKey = config.apiKey ?? (fromEnv ? fromEnv : undefined);
  if (apiKey) registerSecret(apiKey);
  const envBase = env[ENV_BASE_URL]?.trim();
  const baseUrl = (config.baseUrl ?? (envBase ? envBase : DEFAULT_BASE_URL)).replace(/\/+$/, '');
  return { ...(apiKey ? { apiKey, apiKeySource: config.apiKey ? `${section}.apiKey` : ENV_API_KEY } : {}), baseUrl };
}

/** The SDK client. Its retries are off: a create is a POST without an idempotency key, and ttv decides what is retried. */
export function runwayClient(connection: RunwayConnection, section: string, requestMs: number, fetchImpl?: typeof fetch): RunwayML {
  const { apiKey } = connection;
  if (!apiKey) {
    throw new TtvError('AUTH', `${section}: no API key (${section}.apiKey is not set and ${ENV_API_KEY} is empty)`, {
      field: `${section}.apiKey`,
      fix: `export ${ENV_API_KEY}=<your key from https://dev.runwayml.com>, or set ${section}.apiKey: \${${ENV_API_KEY}} in the config`,
    });
  }
  return new RunwayML({
    apiKey,
    baseURL: connection.baseUrl ?? DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: requestMs,
    logLevel: 'off',
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/**
 * Like `mapSdkError`, but work cut off by the engine's request timeout (the signal's reason is a `TimeoutError`)
 * is a TIMEOUT, not a cancellation.
 */
export function mapCallError(error: unknown, what: string, signal: AbortSignal): TtvError {
  const timedOut = signal.aborted && (signal.reason as { name?: unknown } | undefined)?.name === 'TimeoutError';
  if (timedOut && !(TtvError.is(error) && error.code !== 'CANCELLED')) {
    return new TtvError('TIMEOUT', `runway ${what}: not done within the request timeout`, {
      fix: 'check your network, or raise the timeouts.requestMs of the runway section',
      cause: error,
    });
  }
  return mapSdkError(error, what, signal);
}

/** `ttv doctor`'s checks of a section: the key is set, and the API accepts it (`GET /v1/organization`, free). */
export async function connectionDoctor(connection: RunwayConnection, section: string, sdk: () => RunwayML): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  if (!connection.apiKey) {
    checks.push({
      name: 'API key',
      ok: false,
      detail: `not set (${section}.apiKey and ${ENV_API_KEY} are empty)`,
      fix: `export ${ENV_API_KEY}=<your key from https://dev.runwayml.com>`,
    });
    return checks;
  }
  const source = connection.apiKeySource ?? `${section}.apiKey`;
  const looksReal = /^key_[0-9a-f]{128}$/.test(connection.apiKey);
  checks.push({ name: 'API key', ok: true, detail: `set (from ${source}${looksReal ? '' : '; not in the usual key_ + 128 hex form'})` });
  const base = safeUrl(connection.baseUrl ?? DEFAULT_BASE_URL);
  try {
    const org = await sdk().organization.retrieve({ timeout: 15_000, maxRetries: 0 });
    checks.push({ name: 'API', ok: true, detail: `${base} reachable, key accepted, ${org.creditBalance} credits left` });
  } catch (error) {
    const e = mapSdkError(error, 'organization');
    checks.push({ name: 'API', ok: false, detail: `${base}: [${e.code}] ${e.message}`, ...(e.fix ? { fix: e.fix } : {}) });
  }
  return checks;
}
