/** A plugin's settings with its secret fields (dotted paths) taken out: what may be hashed or shown. */
export function withoutSecrets(settings: unknown, secretFields: readonly string[] = []): unknown {
  const copy = JSON.parse(JSON.stringify(settings ?? {})) as Record<string, unknown>;
  for (const field of secretFields) {
    const path = field.split('.');
    let o: unknown = copy;
    for (const k of path.slice(0, -1)) o = o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
    if (o && typeof o === 'object') delete (o as Record<string, unknown>)[path.at(-1)!];
  }
  return copy;
}
