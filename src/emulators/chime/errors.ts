/** Chime's modeled errors: HTTP status, the `Code` value in the body, and a default message. */

export type ChimeErrorName =
  | 'BadRequest'
  | 'UnauthorizedClient'
  | 'Forbidden'
  | 'NotFound'
  | 'ThrottledClient'
  | 'ServiceFailure'
  | 'ServiceUnavailable'
  | 'Conflict';

interface ErrorSpec {
  status: number;
  code: string;
  message: string;
}

export const CHIME_ERRORS: Record<ChimeErrorName, ErrorSpec> = {
  BadRequest: { status: 400, code: 'BadRequest', message: "The input parameters don't match the service's restrictions." },
  UnauthorizedClient: { status: 401, code: 'Unauthorized', message: 'The client is not currently authorized to make the request.' },
  Forbidden: { status: 403, code: 'Forbidden', message: 'The client is permanently forbidden from making the request.' },
  NotFound: { status: 404, code: 'NotFound', message: 'One or more of the resources in the request does not exist in the system.' },
  Conflict: {
    status: 409,
    code: 'Conflict',
    message: 'The request could not be processed because of conflict in the current state of the resource.',
  },
  ThrottledClient: { status: 429, code: 'Throttled', message: 'The client exceeded its request rate limit.' },
  ServiceFailure: { status: 500, code: 'ServiceFailure', message: 'The service encountered an unexpected error.' },
  ServiceUnavailable: { status: 503, code: 'ServiceUnavailable', message: 'The service is currently unavailable.' },
};

export const CHIME_ERROR_NAMES = Object.keys(CHIME_ERRORS) as ChimeErrorName[];

/** What an operation or a fault answers instead of a result. */
export interface ChimeErrorReply {
  error: ChimeErrorName;
  message?: string;
  retryAfterSeconds?: number;
}

/** Status, headers and body of an error exactly as restJson1 clients expect them. */
export function errorResponse(reply: ChimeErrorReply): { status: number; headers: Record<string, string>; body: unknown } {
  const spec = CHIME_ERRORS[reply.error];
  const headers: Record<string, string> = { 'x-amzn-errortype': `${reply.error}Exception` };
  if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
  return { status: spec.status, headers, body: { Code: spec.code, Message: reply.message ?? spec.message } };
}
