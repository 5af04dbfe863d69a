/** The policy's aws_accounts and the AUDIT_ANCHOR_INTERVAL setting, validated with a line naming the key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { describePolicyErrors, policySchema } from '../../src/domain/policy.ts';

const base = { roles: { approvers: ['*'] } };
const problems = (aws_accounts: unknown): string[] => {
  const r = policySchema.safeParse({ ...base, aws_accounts });
  return r.success ? [] : describePolicyErrors(r.error);
};

describe('aws_accounts', () => {
  it('accepts 12-digit keys with a role in that account and an optional external id', () => {
    const r = policySchema.parse({
      ...base,
      aws_accounts: {
        '111122223333': { role_arn: 'arn:aws:iam::111122223333:role/chime-account-bot' },
        '444455556666': { role_arn: 'arn:aws:iam::444455556666:role/path/chime-account-bot', external_id: 'abc-123' },
      },
    });
    assert.equal(Object.keys(r.aws_accounts ?? {}).length, 2);
    assert.equal(policySchema.parse(base).aws_accounts, undefined, 'optional');
  });

  it('names each problem', () => {
    assert.deepEqual(problems({ '1111': { role_arn: 'arn:aws:iam::111122223333:role/x' } }), [
      'aws_accounts.1111: the key must be an AWS account ID of 12 digits (quote it in YAML)',
    ]);
    assert.match(problems({ '111122223333': { role_arn: 'arn:aws:iam::111122223333:user/x' } })[0] ?? '', /role_arn: a role ARN/);
    assert.match(
      problems({ '111122223333': { role_arn: 'arn:aws:iam::444455556666:role/x' } })[0] ?? '',
      /111122223333\.role_arn: the role must be in AWS account 111122223333/,
    );
    assert.match(problems({ '111122223333': { role_arn: 'arn:aws:iam::111122223333:role/x', external_id: 'a' } })[0] ?? '', /external_id/);
    assert.match(problems({ '111122223333': { role_arn: 'arn:aws:iam::111122223333:role/x', extra: 1 } })[0] ?? '', /extra/);
  });
});

describe('AUDIT_ANCHOR_INTERVAL', () => {
  const env = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', POLICY_FILE: 'policy.example.yml' };
  it('defaults to an hour, takes a duration or off, and names itself when wrong', () => {
    const at = (v?: string) => {
      const r = loadConfig({ ...env, ...(v === undefined ? {} : { AUDIT_ANCHOR_INTERVAL: v }) });
      return r.ok ? r.config.auditAnchorIntervalMs : r.problems.join('\n');
    };
    assert.equal(at(), 3_600_000);
    assert.equal(at('15m'), 900_000);
    assert.equal(at('off'), 0);
    assert.match(String(at('5s')), /^AUDIT_ANCHOR_INTERVAL must be a duration/);
    assert.match(String(at('soon')), /^AUDIT_ANCHOR_INTERVAL must be a duration/);
  });
});
