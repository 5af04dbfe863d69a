/**
 * Every way a Chime call can fail, in plain words: what happened and what to do. Decided by the SDK's error name
 * first and the HTTP status second (without the X-Amzn-ErrorType header the SDK only gives a generic exception).
 */
import { AccountsFailure, type FailureKind } from '../workflow/ports.ts';

const BY_NAME: Record<string, FailureKind> = {
  BadRequestException: 'BadRequest',
  ResourceLimitExceededException: 'BadRequest',
  UnprocessableEntityException: 'BadRequest',
  UnauthorizedClientException: 'Unauthorized',
  UnrecognizedClientException: 'Unauthorized',
  InvalidSignatureException: 'Unauthorized',
  ExpiredTokenException: 'Unauthorized',
  ForbiddenException: 'Forbidden',
  AccessDeniedException: 'Forbidden',
  NotFoundException: 'NotFound',
  ConflictException: 'Conflict',
  ThrottledClientException: 'Throttled',
  ThrottlingException: 'Throttled',
  TooManyRequestsException: 'Throttled',
  ServiceFailureException: 'ServiceFailure',
  ServiceUnavailableException: 'ServiceUnavailable',
  TimeoutError: 'Timeout',
  RequestTimeout: 'Timeout',
  AbortError: 'Timeout',
  CredentialsProviderError: 'NoCredentials',
};

const BY_STATUS: Record<number, FailureKind> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  422: 'BadRequest',
  429: 'Throttled',
  500: 'ServiceFailure',
  502: 'ServiceUnavailable',
  503: 'ServiceUnavailable',
  504: 'ServiceUnavailable',
};

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

const END_OF_SUPPORT =
  'Amazon Chime reached its end of support on 2026-02-20; if this bot talks to real AWS, the service may no longer accept account changes.';

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number };
  cause?: unknown;
}

export function kindOf(error: unknown): FailureKind {
  const e = (error ?? {}) as SdkLikeError;
  const byName = e.name ? BY_NAME[e.name] : undefined;
  if (byName) return byName;
  const code = e.code ?? (e.cause as SdkLikeError | undefined)?.code;
  if (code && UNREACHABLE_CODES.has(code)) return 'Unreachable';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'Timeout';
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return (status !== undefined && BY_STATUS[status]) || 'Unknown';
}

/** Words for a Slack message. `serviceMessage` is Chime's own text; it is shown only where it helps (BadRequest). */
export function describe(kind: FailureKind, context: { accountId?: string; operation: string; serviceMessage?: string }): string {
  const account = context.accountId ? `account ${context.accountId}` : 'the account';
  switch (kind) {
    case 'NotFound':
      return `Amazon Chime has no account with the ID ${context.accountId ?? '(none given)'}. Check the ID with \`/chime-account list\`.`;
    case 'BadRequest':
      return `Amazon Chime refused the change: ${context.serviceMessage ?? 'the request was not valid'}. Fix the value and try again.`;
    case 'Unauthorized':
      return `Amazon Chime did not accept the bot's AWS credentials (expired, wrong or missing a signature). Ask whoever runs the bot to check its AWS credentials. ${END_OF_SUPPORT}`;
    case 'Forbidden':
      return `The bot's AWS identity is not allowed to ${context.operation} (it needs chime:GetAccount, chime:ListAccounts and chime:UpdateAccount). Ask whoever runs the bot to check its IAM policy. ${END_OF_SUPPORT}`;
    case 'Conflict':
      return `Amazon Chime reported a conflicting change to ${account}. Look at the account again, then retry.`;
    case 'Throttled':
      return 'Amazon Chime is throttling the bot, even after retrying. Try again in a minute.';
    case 'ServiceFailure':
      return `Amazon Chime failed while trying to ${context.operation} (an internal error on its side). Try again shortly; nothing was changed unless the account now shows it.`;
    case 'ServiceUnavailable':
      return `Amazon Chime is unavailable right now. Try again shortly. ${END_OF_SUPPORT}`;
    case 'Timeout':
      return `Amazon Chime did not answer in time while trying to ${context.operation}. Try again shortly; check the account before retrying a change.`;
    case 'Unreachable':
      return `The bot could not reach Amazon Chime. Ask whoever runs the bot to check its network and AWS endpoint settings. ${END_OF_SUPPORT}`;
    case 'NoCredentials':
      return 'The bot has no AWS credentials. Ask whoever runs the bot to configure them (environment, profile or role).';
    case 'Unknown':
      return `Amazon Chime answered with an unexpected error while trying to ${context.operation}. ${END_OF_SUPPORT}`;
  }
}

/** AssumeRole of a configured role failed: no Chime call was made with it. */
export class AssumeRoleError extends Error {
  readonly roleArn: string;
  constructor(roleArn: string, cause: unknown) {
    super(`AssumeRole ${roleArn} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'AssumeRoleError';
    this.roleArn = roleArn;
  }
}

const STS_PERMISSIONS = ['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession'];

/** Words for a refused or failed AssumeRole, naming the permission STS says is missing when it says so. */
function assumeRoleFailure(error: AssumeRoleError, context: { awsAccountId?: string; operation: string }): AccountsFailure {
  const cause = (error.cause ?? {}) as SdkLikeError;
  const inAccount = context.awsAccountId ? ` in AWS account ${context.awsAccountId}` : '';
  const status = cause.$metadata?.httpStatusCode;
  const denied = cause.name === 'AccessDenied' || cause.name === 'AccessDeniedException' || status === 403;
  const permission = /perform: (sts:[A-Za-z]+)/.exec(cause.message ?? '')?.[1];
  let userMessage: string;
  if (denied) {
    const what = permission
      ? `${permission} is not allowed`
      : `one of ${STS_PERMISSIONS.join(', ')} is not allowed (or the external id does not match)`;
    userMessage =
      `Nothing was changed: AWS refused the bot the role ${error.roleArn}${inAccount}, so it could not ${context.operation}. ` +
      `${what} for the bot's identity. Ask whoever runs the bot to allow ${permission ?? STS_PERMISSIONS.join(', ')} ` +
      "in the role's trust policy and in the bot's own IAM policy (see the README's AWS identity section).";
  } else {
    const kind = kindOf(cause);
    userMessage = `Nothing was changed: the bot could not assume the role ${error.roleArn}${inAccount} (${kind === 'Unknown' ? 'STS answered with an error' : describe(kind, { operation: 'assume the role (sts:AssumeRole)' })}).`;
  }
  return new AccountsFailure({
    kind: denied ? 'Forbidden' : kindOf(cause),
    userMessage,
    requestId: cause.$metadata?.requestId,
    status,
    cause: error,
  });
}

export function toFailure(error: unknown, context: { accountId?: string; awsAccountId?: string; operation: string }): AccountsFailure {
  if (error instanceof AccountsFailure) return error;
  if (error instanceof AssumeRoleError) return assumeRoleFailure(error, context);
  const e = (error ?? {}) as SdkLikeError;
  const kind = kindOf(error);
  return new AccountsFailure({
    kind,
    userMessage: describe(kind, { ...context, serviceMessage: e.message }),
    requestId: e.$metadata?.requestId,
    status: e.$metadata?.httpStatusCode,
    cause: error,
  });
}
