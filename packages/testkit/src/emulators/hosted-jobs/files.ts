/** Serves a finished job's MP4 (the fal and Replicate emulators' file hosts). */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { sendBody, sendJson } from '../http.js';
import type { HostedJobs } from './service.js';

export async function serveJobFile(jobs: HostedJobs, id: string | undefined, res: ServerResponse): Promise<void> {
  const job = id ? jobs.jobs.get(id) : undefined;
  if (job?.status !== 'succeeded') {
    sendJson(res, 404, { detail: 'File not found' });
    return;
  }
  sendBody(res, 200, await readFile(job.outputFile), 'video/mp4');
}
