/**
 * The names a change carries into CloudTrail: SourceIdentity (the requester), RoleSessionName (the request) and
 * session tags (the request and its approvers), each kept within STS's rules whatever the Slack IDs look like.
 */
import { createHash } from 'node:crypto';
import type { OnBehalfOf } from '../workflow/ports.ts';

/** STS's rule for SourceIdentity and RoleSessionName: 2–64 characters of [\w+=,.@-]. */
export const STS_NAME = /^[\w+=,.@-]{2,64}$/;

/**
 * `raw` as an STS name: disallowed characters become `_`; when anything had to change (or it is too long or short),
 * a short hash of the original is appended so two different IDs never end as the same name. Colons are never
 * allowed, so the reserved `aws:` prefix can't occur.
 */
export function stsName(raw: string): string {
  const cleaned = raw.replace(/[^\w+=,.@-]/g, '_');
  if (cleaned === raw && STS_NAME.test(raw)) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  return `${cleaned.slice(0, 64 - 9)}-${hash}`;
}

/** `slack-T0123-U0456`: whom CloudTrail names for every call of the change (the requester). */
export function sourceIdentity(on: Pick<OnBehalfOf, 'teamId' | 'requesterId'>): string {
  return stsName(`slack-${on.teamId}-${on.requesterId}`);
}

/** The request id (a UUID) names the session, so each change is its own session in CloudTrail. */
export function roleSessionName(on: Pick<OnBehalfOf, 'requestId'>): string {
  return stsName(`chime-${on.requestId}`);
}

const TAG_VALUE_MAX = 256;
const TAG_LIMIT = 50;

/** Session-tag values allow letters, digits, spaces and _.:/=+-@ only. */
function tagValue(raw: string): string {
  return raw.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, TAG_VALUE_MAX);
}

/**
 * Session tags: `chime-account:request` = the request id, `chime-account:team` = the workspace, and the approvers'
 * user IDs space-separated in `chime-account:approvers`, continued in `chime-account:approvers-2`, `-3`… when they pass
 * 256 characters (about 21 Slack IDs per tag; the policy allows at most 3 approvals, so one tag is the rule). An ID
 * is never split across two tags. STS allows 50 tags: approvers past that are left out (the audit log has all).
 */
export function sessionTags(on: OnBehalfOf): { Key: string; Value: string }[] {
  const tags = [
    { Key: 'chime-account:request', Value: tagValue(on.requestId) },
    { Key: 'chime-account:team', Value: tagValue(on.teamId) },
  ];
  const chunks: string[] = [];
  let current = '';
  for (const id of on.approverIds.map(tagValue)) {
    const next = current ? `${current} ${id}` : id;
    if (next.length > TAG_VALUE_MAX && current) {
      chunks.push(current);
      current = id;
    } else current = next;
  }
  if (current) chunks.push(current);
  const room = TAG_LIMIT - tags.length;
  if (chunks.length > room) chunks.length = room;
  chunks.forEach((value, i) => {
    tags.push({ Key: i === 0 ? 'chime-account:approvers' : `chime-account:approvers-${i + 1}`, Value: value });
  });
  return tags;
}
