/**
 * How long a service asked us to wait, in ms: `retry-after-ms` (OpenAI, Anthropic, Runway), else `retry-after` as
 * seconds or as an HTTP date. Undefined when neither header says anything usable. Written once for every backend.
 */
export function retryAfterMs(headers: Headers | Record<string, string | undefined> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string): string | undefined => (headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name]);
  const ms = get('retry-after-ms')?.trim();
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Math.round(Number(ms));
  const after = get('retry-after')?.trim();
  if (!after) return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Math.round(Number(after) * 1000));
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}
