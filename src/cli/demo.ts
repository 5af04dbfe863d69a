/**
 * `npm run demo`: starts the Chime and Slack emulators and the bot on free loopback ports, plays a session as
 * Alice (requester) and Bob (approver), and prints what each of them would see. Exits 0 when the session went as
 * expected, 1 otherwise. Nothing leaves this machine.
 */
import { SAMPLE } from '../emulators/chime/seed.ts';
import type { EmuView } from '../emulators/slack/server.ts';
import { startEmulated } from './emulated.ts';
import { renderBlocks, unmrkdwn } from './render.ts';

const POLICY = `roles:
  viewers: ["*"]
  requesters: ["S0CHIMEOPS"]
  approvers: ["S0SECOPS"]
approval:
  required: license-changes   # renames apply at once; license changes need a second person
  approvers_required: 1
  expires_after: 24h
  reason: optional
accounts: ["*"]
`;

const { chime, slack, user, settle, close } = await startEmulated({ policy: POLICY });
const names = { users: slack.users, channels: slack.channels };

let shownMessages = 0;
let shownEphemerals = 0;
const out = (line = '') => console.log(line);
const indent = (lines: string[]) => {
  for (const l of lines) out(`    ${l}`);
};
const step = (who: string, what: string) => out(`\n▶ ${who} ${what}`);

function showView(who: string, v: EmuView) {
  if (v.view.type === 'home') out(`  ${who} sees the Home tab`);
  else out(`  ${who} sees a modal «${v.view.title?.text}»${v.view.submit ? `  [${v.view.submit.text}]` : ''}`);
  indent(renderBlocks(v.view.blocks, names, v.view.state?.values));
  for (const [block, message] of Object.entries(v.errors ?? {})) out(`    ⚠ ${block}: ${message}`);
}

/** Prints the channel messages and ephemerals that appeared since the last call. */
function showNew() {
  for (const e of slack.ephemerals.slice(shownEphemerals)) {
    out(`  ${names.users.get(e.user)?.name} sees (only visible to you):`);
    indent(e.blocks?.length ? renderBlocks(e.blocks, names) : [unmrkdwn(e.text, names)]);
  }
  shownEphemerals = slack.ephemerals.length;
  for (const m of slack.messages.slice(shownMessages)) {
    const where = `#${names.channels.get(m.channel)?.name ?? m.channel}${m.thread_ts ? ' (in thread)' : ''}`;
    out(`  ${where} — chime-account bot:`);
    indent(m.blocks?.length ? renderBlocks(m.blocks, names) : [unmrkdwn(m.text, names)]);
  }
  shownMessages = slack.messages.length;
}

const top = (who: string, has: (v: EmuView) => boolean) =>
  slack.waitFor(() => {
    const v = slack.topView(who);
    return v && !v.closed && has(v) ? v : undefined;
  });
const isForm = (v: EmuView) => v.view.blocks.some((b) => b.type === 'input' && b.block_id === 'name');
function check(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`demo: expected ${what}`);
}

try {
  out('chime-account demo — Amazon Chime and Slack are emulated on loopback; nothing leaves this machine.');
  out(
    `Policy: requesters = @group S0CHIMEOPS (alice, carol); approvers = @group S0SECOPS (bob, carol); renames apply at once, license changes need an approver.`,
  );

  step('alice types', '/chime-account list Acme');
  await user.command('U0ALICE', 'list Acme');
  await slack.waitFor(() => slack.ephemerals.length > shownEphemerals);
  showNew();

  step('alice types', `/chime-account update ${SAMPLE.team}`);
  await user.command('U0ALICE', `update ${SAMPLE.team}`);
  let form = await top('U0ALICE', isForm);
  showView('alice', form);

  step('alice clears the name and presses', '[Review]');
  await user.submitView('U0ALICE', form.id, { name: { name_input: '   ' } }, { skipClientChecks: true });
  form = slack.topView('U0ALICE')!;
  check(form.errors?.name, 'an error on the name field');
  showView('alice', form);

  step('alice types "Acme Revenue Team" and presses', '[Review]');
  await user.submitView('U0ALICE', form.id, { name: { name_input: 'Acme Revenue Team' } });
  const review = await top('U0ALICE', (v) => v.view.callback_id === 'chime_review');
  showView('alice', review);

  step('alice presses', '[Confirm]');
  await user.submitView('U0ALICE', review.id, { reason: { reason_input: 'Sales became Revenue in the reorg' } });
  await settle();
  check(chime.accounts.get(SAMPLE.team)?.Name === 'Acme Revenue Team', 'the rename to be applied at once');
  showNew();

  step('alice asks for a license change:', `/chime-account update ${SAMPLE.team} → license Basic`);
  await user.command('U0ALICE', `update ${SAMPLE.team}`);
  form = await top('U0ALICE', (v) => isForm(v) && v.id !== form.id);
  await user.submitView('U0ALICE', form.id, { license: { license_select: 'Basic' } });
  const review2 = await top('U0ALICE', (v) => v.view.callback_id === 'chime_review');
  showView('alice', review2);
  step('alice presses', '[Request approval]');
  await user.submitView('U0ALICE', review2.id, { reason: { reason_input: 'Pro seats are unused since March' } });
  await settle();
  const card = slack.messages.findLast((m) => m.text.startsWith('Change request'));
  check(card, 'an approval card');
  showNew();

  step('alice tries to approve her own request:', '[Approve…]');
  await user.clickButton('U0ALICE', { message: card, actionId: 'request_approve' });
  await settle();
  showNew();

  step('bob opens', 'the bot’s Home tab: his inbox');
  await user.openHome('U0BOB');
  const home = await slack.waitFor(() => slack.homeViews.get('U0BOB'));
  showView('bob', home);

  step('bob clicks', '[Approve…] on the card');
  await user.clickButton('U0BOB', { message: card, actionId: 'request_approve' });
  const approveView = await top('U0BOB', (v) => v.view.callback_id === 'chime_approve');
  showView('bob', approveView);
  step('bob adds a comment and presses', '[Approve]');
  await user.submitView('U0BOB', approveView.id, { comment: { comment_input: 'Checked the seat report — fine.' } });
  await settle();
  check(chime.accounts.get(SAMPLE.team)?.DefaultLicense === 'Basic', 'the license change to be applied after approval');
  showNew();
  out('  (the card above was updated in place:)');
  indent(renderBlocks(slack.messages.find((m) => m.ts === card.ts)?.blocks, names));

  step('bob types', `/chime-account history ${SAMPLE.team}`);
  await user.command('U0BOB', `history ${SAMPLE.team}`);
  await slack.waitFor(() => slack.ephemerals.length > shownEphemerals);
  showNew();

  const updates = chime.calls.filter((c) => c.operation === 'UpdateAccount');
  out(
    `\nAmazon Chime (emulated) received ${updates.length} UpdateAccount call(s): ${updates.map((c) => JSON.stringify(c.body)).join(', ')}`,
  );
  out('Demo finished.');
} catch (error) {
  console.error(`\nThe demo did not go as expected: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await close();
}
