import { createHash } from 'node:crypto';

/**
 * A seed for a request that has none: stable for the same prompt and segment (a re-run reproduces the clip),
 * different between segments. 31 bits, so every generator CLI takes it.
 */
export function deterministicSeed(prompt: string, segmentIndex = 0): number {
  return Number.parseInt(createHash('sha256').update(`${segmentIndex}\0${prompt}`).digest('hex').slice(0, 8), 16) & 0x7fffffff;
}
