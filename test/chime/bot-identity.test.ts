/**
 * End to end through the bot, the Slack, STS and Chime emulators: a change approved in Slack lands in its own AWS
 * account under AssumeRole naming the requester and approver; list merges two AWS accounts; a role that refuses
 * sts:SetSourceIdentity stops the change in words, with the audit row kept; the anchor posts the chain's head.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Account } from '@aws-sdk/client-chime';
import { stringify } from 'yaml';
import { type Bot, createBot } from '../../src/app.ts';
import { SAMPLE, seedAccounts } from '../../src/emulators/chime/seed.ts';
import { type ChimeEmulator, startChimeEmulator } from '../../src/emulators/chime/server.ts';
import type { SlackUserClient } from '../../src/emulators/slack/client.ts';
import { type EmuMessage, type SlackEmulator, startSlackEmulator } from '../../src/emulators/slack/server.ts';
import { type StsEmulator, startStsEmulator } from '../../src/emulators/sts/server.ts';
import { modalOf, testBot } from '../helpers/harness.ts';
import { cardFor } from '../helpers/proof.ts';
import { userClient } from '../helpers/slack.ts';

const A = '111122223333'; // the seed accounts' AWS account
const B = '444455556666';
const ROLE_A = `arn:aws:iam::${A}:role/chime-account-bot`;
const ROLE_B = `arn:aws:iam::${B}:role/chime-account-bot`;
const IN_B = 'bbbbbbbb-0000-4000-8000-00000000000b';
const B_ACCOUNT: Account = {
  AwsAccountId: B,
  AccountId: IN_B,
  Name: 'Bravo Labs',
  AccountType: 'Team',
  DefaultLicense: 'Pro',
  SupportedLicenses: ['Basic', 'Pro'],
  AccountStatus: 'Active',
  CreatedTimestamp: new Date('2021-01-01T00:00:00Z'),
};

const POLICY = {
  roles: { viewers: ['*'], requesters: ['U0ALICE'], approvers: ['U0BOB'] },
  approval: { required: 'always', approvers_required: 1 },
  aws_accounts: { [A]: { role_arn: ROLE_A }, [B]: { role_arn: ROLE_B, external_id: 'ext-B' } },
};

describe('the bot under AssumeRole, two AWS accounts', () => {
  let sts: StsEmulator;
  let chime: ChimeEmulator;
  let slack: SlackEmulator;
  let bot: Bot;
  let user: SlackUserClient;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chime-account-trail-'));
    writeFileSync(join(dir, 'policy.yml'), stringify(POLICY));
    sts = await startStsEmulator();
    chime = await startChimeEmulator({ accounts: [...seedAccounts(), B_ACCOUNT], sts: sts.sessions, baseAwsAccountId: '999988887777' });
    slack = await startSlackEmulator();
    const { config, options } = testBot({ slack, chimeUrl: chime.url, dir });
    bot = await createBot(config, { ...options, chime: { ...options.chime, stsEndpoint: sts.url } });
    const port = await bot.start();
    user = userClient(slack, port!);
  });
  after(async () => {
    await bot.stop();
    await Promise.all([chime.close(), slack.close(), sts.close()]);
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    chime.reset();
    sts.roles.clear();
    sts.roles.set(ROLE_A, {});
    sts.roles.set(ROLE_B, { externalId: 'ext-B' });
  });

  const settle = async () => {
    await bot.workflow.idle();
    await bot.outbox.settle();
  };

  async function requestAndApprove(accountId: string, name: string): Promise<EmuMessage> {
    const res = await user.command('U0ALICE', `update ${accountId}`, { channelId: 'C0OPS' });
    assert.equal(res.status, 200);
    const form = await modalOf(h(), 'U0ALICE', 'chime_change', (v) => v.view.blocks.some((b) => b.type === 'input'));
    const review = await user.submitView('U0ALICE', form.id, { name: { name_input: name } });
    assert.equal(review.json?.response_action, 'update', review.body);
    await user.submitView('U0ALICE', slack.topView('U0ALICE')!.id, {});
    const card = await cardFor({ slack }, accountId);
    await user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
    const modal = await modalOf(h(), 'U0BOB', 'chime_approve');
    await user.submitView('U0BOB', modal.id, {});
    await settle();
    return card;
  }
  // modalOf only needs the Slack emulator.
  const h = () => ({ slack }) as Parameters<typeof modalOf>[0];

  it('the trail names the requester (SourceIdentity) and the approver (tags) for the drift check and the change', async () => {
    await requestAndApprove(IN_B, 'Bravo Research');
    assert.equal(chime.accounts.get(IN_B)?.Name, 'Bravo Research');
    const person = chime.trail.filter((t) => t.sourceIdentity);
    assert.deepEqual(
      person.map((t) => [t.operation, t.awsAccountId, t.roleArn]),
      [
        ['GetAccount', B, ROLE_B],
        ['UpdateAccount', B, ROLE_B],
      ],
    );
    const request = (await bot.store.history({ limit: 20 })).find((r) => r.action === 'applied');
    assert.ok(request?.requestId);
    for (const t of person) {
      assert.match(t.sourceIdentity ?? '', /^slack-T[A-Z0-9]+-U0ALICE$/);
      assert.equal(t.sessionName, `chime-${request.requestId}`);
      assert.equal(t.tags?.['chime-account:approvers'], 'U0BOB');
      assert.equal(t.tags?.['chime-account:request'], request.requestId);
    }
    // Every other call (the form's read) was the bot's read session, naming nobody.
    for (const t of chime.trail.filter((x) => !x.sourceIdentity)) assert.equal(t.sessionName, 'chime-account-read');
  });

  it('after the applied change, the audit channel gets the chain’s head', async () => {
    await requestAndApprove(SAMPLE.team, 'Acme Revenue');
    const [head] = await bot.store.history({ limit: 1 });
    assert.ok(head);
    const post = await slack.waitFor(() => slack.messages.find((m) => m.channel === 'C0AUDIT' && m.text.includes(`hash=${head.hash}`)));
    assert.match(post.text, new RegExp(`seq=${head.seq} hash=${head.hash}`));
  });

  it('list shows both AWS accounts’ Chime accounts, each row naming its AWS account; a failing one is named', async () => {
    await user.command('U0ALICE', 'list', { channelId: 'C0OPS' });
    const listing = await slack.waitFor(() => slack.ephemerals.findLast((e) => e.user === 'U0ALICE' && /Chime account\(s\)/.test(e.text)));
    const blocks = JSON.stringify(listing.blocks);
    assert.match(blocks, /Acme Engineering\*\\n`[^`]+` · AWS 111122223333/);
    assert.match(blocks, /Bravo Labs\*\\n`[^`]+` · AWS 444455556666/);

    // B's read session now fails at Chime (its token expired on AWS's side); A still answers.
    for (const s of sts.sessions.values()) if (s.awsAccountId === B) s.expiration = new Date(0);
    const before = slack.ephemerals.length;
    await user.command('U0ALICE', 'list', { channelId: 'C0OPS' });
    const second = await slack.waitFor(() => slack.ephemerals.slice(before).find((e) => e.user === 'U0ALICE'));
    const text = JSON.stringify(second.blocks);
    assert.match(text, /AWS account 444455556666 could not be listed:\* Amazon Chime did not accept the bot's AWS credentials/);
    assert.match(text, /Acme Engineering/);
    assert.doesNotMatch(text, /Bravo Labs/);

    // The refused read session is dropped: the next listing assumes B's role afresh and shows its accounts again.
    const third = slack.ephemerals.length;
    await user.command('U0ALICE', 'list Bravo', { channelId: 'C0OPS' });
    const again = await slack.waitFor(() => slack.ephemerals.slice(third).find((e) => e.user === 'U0ALICE'));
    assert.match(JSON.stringify(again.blocks), /Bravo Labs/);
    assert.doesNotMatch(JSON.stringify(again.blocks), /could not be listed/);
  });

  it('the picker offers accounts from both AWS accounts, each option naming its AWS account', async () => {
    await user.command('U0ALICE', '', { channelId: 'C0OPS' });
    const picker = await modalOf(h(), 'U0ALICE', 'chime_change', (v) => /account_picker/.test(JSON.stringify(v.view.blocks)));
    const suggestions = await user.suggest('U0ALICE', picker.id, 'pick_account', 'account_picker', '');
    const options = suggestions.options as { text: { text: string }; value: string }[];
    const text = (id: string) => options.find((o) => o.value === id)?.text.text;
    assert.equal(text(IN_B), 'Bravo Labs (AWS 444455556666, Active)');
    assert.equal(text(SAMPLE.team), 'Acme Sales (AWS 111122223333, Active)');
  });

  it('a role without sts:SetSourceIdentity: the change is refused in words naming it, the audit row kept, nothing changed', async () => {
    sts.roles.set(ROLE_A, { allowSetSourceIdentity: false });
    await requestAndApprove(SAMPLE.lwa, 'Support Renamed');
    assert.equal(chime.accounts.get(SAMPLE.lwa)?.Name, 'Acme Support');
    assert.ok(!chime.trail.some((t) => t.operation === 'UpdateAccount'));
    const failed = (await bot.store.history({ accountId: SAMPLE.lwa, limit: 5 })).find((r) => r.action === 'failed');
    assert.ok(failed, 'a failed audit row');
    assert.match(failed.detail ?? '', /Nothing was changed.*sts:SetSourceIdentity is not allowed/);
    await slack.waitFor(() => slack.messages.find((m) => /not made/.test(m.text) && m.text.includes('sts:SetSourceIdentity')));
  });
});
