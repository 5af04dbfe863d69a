/** Which Chime operation a request is, and whether it carries a SigV4 Authorization header for `chime`. */
import type { ChimeOperation } from './faults.ts';

export interface ChimeRoute {
  operation: ChimeOperation;
  accountId?: string;
}

/**
 * Maps method + path to an operation. Other Chime operations share these paths with an `operation=` query
 * parameter (e.g. associate-signin-delegate-groups); the emulator does not implement them.
 */
export function matchRoute(method: string, url: URL): ChimeRoute | undefined {
  if (url.searchParams.has('operation')) return undefined;
  if (url.pathname === '/accounts') return method === 'GET' ? { operation: 'ListAccounts' } : undefined;
  const match = /^\/accounts\/([^/]+)$/.exec(url.pathname);
  if (!match?.[1]) return undefined;
  const accountId = safeDecode(match[1]);
  if (accountId === undefined) return undefined;
  if (method === 'GET') return { operation: 'GetAccount', accountId };
  if (method === 'POST') return { operation: 'UpdateAccount', accountId };
  return undefined;
}

/** decodeURIComponent, or undefined for a malformed escape. */
export function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=[^/\s,]+\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\/aws4_request\s*,\s*SignedHeaders=[^\s,]+\s*,\s*Signature=[0-9a-f]+$/;

/** Why the request is not authenticated, or undefined when it is (the signature bytes are not verified). */
export function authProblem(authorization: string | undefined): string | undefined {
  if (!authorization) return 'Missing Authentication Token: the request has no Authorization header.';
  const match = SIGV4.exec(authorization);
  if (!match) return 'The Authorization header is not a valid AWS4-HMAC-SHA256 signature.';
  if (match[1] !== 'chime') return `Credential should be scoped to correct service: 'chime' (got '${match[1]}').`;
  return undefined;
}
