/**
 * The page's files (src/sandbox/public), served as they are — no build step — with their content types and a
 * strict Content-Security-Policy: scripts only from this origin and never inline, no eval, and Trusted Types
 * required, so even a stray `innerHTML = …` in the page's own code fails instead of parsing text as HTML.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Headers on every answer of the sandbox server. */
export const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

const PUBLIC = join(import.meta.dirname, 'public');

/** URL path → file, read once at start: only these files exist, so no path can reach outside the folder. */
export function loadPublic(): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(PUBLIC)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { type, body: readFileSync(join(PUBLIC, name)) });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

export function sendFile(res: ServerResponse, file: { type: string; body: Buffer }): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
  res.end(file.body);
}
