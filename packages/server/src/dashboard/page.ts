import { readFile } from 'node:fs/promises';

/** The dashboard's static files: no data and no secret in them (the page asks the API for both). */
export interface DashboardAssets {
  html: string;
  js: string;
  css: string;
}

/** Reads the page, its script and its style from the package's `assets` folder (beside `src` and `dist`). */
export async function loadDashboardAssets(): Promise<DashboardAssets> {
  const read = (name: string) => readFile(new URL(`../../assets/${name}`, import.meta.url), 'utf8');
  const [html, js, css] = await Promise.all([read('dashboard.html'), read('dashboard.js'), read('dashboard.css')]);
  return { html, js, css };
}

/**
 * Headers of every dashboard file: scripts and styles only from the server itself, requests only to it, images only
 * from the blobs the script makes of the frames it fetched; no referrer, no framing, no caching of the page.
 */
export const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
} as const;
