/**
 * Live tier: the conformance suite against real Vertex AI. Runs only with real credentials:
 *
 *   TTV_VEO_LIVE_PROJECT=my-project [TTV_VEO_LIVE_LOCATION=us-central1] [TTV_VEO_LIVE_MODEL=veo-3.1-fast-generate-001] \
 *     pnpm vitest run --project backend-veo3 src/live.test.ts
 *
 * with Application Default Credentials (gcloud auth application-default login, or GOOGLE_APPLICATION_CREDENTIALS).
 * Each run submits about six 4-second clips: roughly $2.40 with veo-3.1-fast at list price. This file does not
 * clear the GOOGLE_* environment (ADC needs it); the emulator test files do.
 */
import { describeBackendConformance } from '@ttv/testkit';
import { VeoBackend } from './veo3-backend.js';
import { backend as plugin } from './veo3-plugin.js';

const project = process.env['TTV_VEO_LIVE_PROJECT'];
let submits = 0;

describeBackendConformance({
  name: `veo3 ${process.env['TTV_VEO_LIVE_MODEL'] ?? 'veo-3.1-fast-generate-001'} (Vertex AI)`,
  tier: 'live',
  live: { skipUnless: Boolean(project), reason: 'set TTV_VEO_LIVE_PROJECT (and Application Default Credentials) to run against Vertex AI' },
  plugin,
  config: {
    auth: 'adc',
    project,
    location: process.env['TTV_VEO_LIVE_LOCATION'] ?? 'us-central1',
    model: process.env['TTV_VEO_LIVE_MODEL'] ?? 'veo-3.1-fast-generate-001',
    polling: { intervalMs: 10_000 },
  },
  create: (config, ctx) => {
    const backend = new VeoBackend(config, ctx);
    // Spend = operations Vertex accepted (the suite calls the backend through callBackend, as the engine does).
    const submit = backend.submit.bind(backend);
    backend.submit = async (request, ctx) => {
      const job = await submit(request, ctx);
      submits++;
      return job;
    };
    return backend;
  },
  spend: { count: () => submits },
  remote: { resume: true },
  duration: 4,
  requestSize: { width: 1280, height: 720 },
});
