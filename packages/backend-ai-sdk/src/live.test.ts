// The conformance suite against the real fal and Replicate APIs, skipped unless the provider's key is set
// (each run spends a few dollars: several short clips).
import { describeBackendConformance } from '@ttv/testkit';
import { backend } from './ai-sdk-plugin.js';

const falKey = process.env['FAL_KEY'] ?? process.env['FAL_API_KEY'];
describeBackendConformance({
  name: 'ai-sdk fal (live API)',
  tier: 'live',
  live: { skipUnless: () => Boolean(falKey), reason: 'set FAL_KEY to run against the real fal API (spends money)' },
  plugin: backend,
  config: { provider: 'fal' },
  secrets: falKey ? [falKey] : [],
  remote: { resume: true },
});

const replicateToken = process.env['REPLICATE_API_TOKEN'];
describeBackendConformance({
  name: 'ai-sdk replicate (live API)',
  tier: 'live',
  live: { skipUnless: () => Boolean(replicateToken), reason: 'set REPLICATE_API_TOKEN to run against the real Replicate API (spends money)' },
  plugin: backend,
  config: { provider: 'replicate' },
  secrets: replicateToken ? [replicateToken] : [],
  remote: { resume: true },
});
