/** The modals: loading, account picker, the change form, the review, approve / reject, and plain messages. */
import type { KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import { type Account, type AccountValues, applied, licenseChoices, NAME_MAX, valuesOf } from '../../domain/account.ts';
import { formatDuration } from '../../domain/duration.ts';
import type { ChangeRequest } from '../../domain/request.ts';
import type { ReviewModel } from '../../workflow/changes.ts';
import { ids } from '../ids.ts';
import { arrow, esc, field, md, mention, plain } from './text.ts';

const TITLE = 'Chime account';

import { REASON_MAX } from '../../domain/request.ts';

function modal(callbackId: string, title: string, blocks: KnownBlock[], submit?: string, close = 'Cancel'): ModalView {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: plain(title, 24),
    close: plain(close, 24),
    ...(submit ? { submit: plain(submit, 24) } : {}),
    blocks,
  };
}

export function loadingView(text = 'Loading the account from Amazon Chime…'): ModalView {
  return modal(ids.view.change, TITLE, [{ type: 'section', text: plain(text) }]);
}

export function messageView(text: string, title = TITLE): ModalView {
  return modal(ids.view.info, title, [{ type: 'section', text: md(text) }], undefined, 'Close');
}

export function pickerView(): ModalView {
  return modal(ids.view.change, TITLE, [
    {
      type: 'section',
      block_id: ids.block.picker,
      text: md('Which Amazon Chime account do you want to change? Type the start of its name.'),
      accessory: {
        type: 'external_select',
        action_id: ids.action.pickAccount,
        placeholder: plain('Account name'),
        min_query_length: 0,
      },
    },
  ]);
}

function option(license: string): PlainTextOption {
  return { text: plain(license, 75), value: license };
}

function currentValues(account: Account): KnownBlock {
  return {
    type: 'section',
    fields: [
      field(`*Account*\n${esc(account.name)}\n\`${esc(account.accountId)}\``),
      field(`*Default license*\n${esc(account.defaultLicense ?? 'none')}`),
      field(`*Type · status*\n${esc(account.type ?? '—')} · ${esc(account.status ?? '—')}`),
      field(`*Supported licenses*\n${esc(account.supportedLicenses.join(', ') || 'all')}`),
    ],
  };
}

/**
 * The form: current values, the name prefilled, the license limited to what the account supports. `initial` lets a
 * revert start the inputs from the values being restored.
 */
export function changeView(
  account: Account,
  lock: string | undefined,
  approvalNote: string,
  initial: AccountValues = valuesOf(account),
): ModalView {
  if (lock)
    return modal(
      ids.view.change,
      TITLE,
      [currentValues(account), { type: 'section', text: md(`:lock: ${esc(lock)}`) }],
      undefined,
      'Close',
    );
  const choices = licenseChoices(account).map(option);
  const current = choices.find((o) => o.value === initial.license);
  return modal(
    ids.view.change,
    TITLE,
    [
      currentValues(account),
      { type: 'divider' },
      {
        type: 'input',
        block_id: ids.block.name,
        label: plain('New name'),
        hint: plain(`1–${NAME_MAX} characters.`),
        element: { type: 'plain_text_input', action_id: ids.action.name, initial_value: initial.name, max_length: NAME_MAX },
      },
      {
        type: 'input',
        block_id: ids.block.license,
        label: plain('Default license'),
        element: {
          type: 'static_select',
          action_id: ids.action.license,
          placeholder: plain('Choose a license'),
          options: choices,
          ...(current ? { initial_option: current } : {}),
        },
      },
      { type: 'context', elements: [md(esc(approvalNote))] },
    ],
    'Review',
  );
}

/** How approval works under the policy, for the form's footnote. */
export function approvalNote(approval: { required: 'always' | 'never' | 'license-changes'; approvers: number }): string {
  const n = approval.approvers;
  return {
    never: 'The change is made as soon as you confirm it.',
    always: `Every change needs ${n} approver(s) before it is made.`,
    'license-changes': `A license change needs ${n} approver(s) before it is made; a name change is made as soon as you confirm it.`,
  }[approval.required];
}

/** Before → after, for the requester to confirm the exact change. */
export function reviewView(model: ReviewModel): ModalView {
  const { account, change } = model;
  const opts = { needsApproval: model.needsApproval, approvals: model.approvers, reason: model.reason };
  const before = { name: account.name, license: account.defaultLicense };
  const after = applied(before, change);
  return modal(
    ids.view.review,
    'Review the change',
    [
      { type: 'section', text: md(`*Account* ${esc(account.name)} (\`${esc(account.accountId)}\`)`) },
      {
        type: 'section',
        fields: [field(`*Name*\n${arrow(before.name, after.name)}`), field(`*Default license*\n${arrow(before.license, after.license)}`)],
      },
      {
        type: 'input',
        block_id: ids.block.reason,
        optional: opts.reason === 'optional',
        // Slack marks an optional input "(optional)" itself; a required one has no marker.
        label: plain('Reason'),
        element: { type: 'plain_text_input', action_id: ids.action.reason, multiline: true, max_length: REASON_MAX },
      },
      {
        type: 'context',
        elements: [
          md(
            opts.needsApproval
              ? `Confirm to ask for ${opts.approvals === 1 ? 'an approver’s approval' : `${opts.approvals} approvers’ approval`}; the change is made once approved.`
              : 'Confirm to change the account in Amazon Chime now.',
          ),
        ],
      },
    ],
    opts.needsApproval ? 'Request approval' : 'Confirm',
    'Back',
  );
}

/** Approve or reject: the exact change, who asked, why, how long ago; a comment (required to reject). */
export function decisionView(kind: 'approve' | 'reject', request: ChangeRequest, now: Date): ModalView {
  const after = applied(request.before, request.change);
  return modal(
    kind === 'approve' ? ids.view.approve : ids.view.reject,
    kind === 'approve' ? 'Approve the change' : 'Reject the change',
    [
      { type: 'section', text: md(`*Account* \`${esc(request.accountId)}\``) },
      {
        type: 'section',
        fields: [
          field(`*Name*\n${arrow(request.before.name, after.name)}`),
          field(`*Default license*\n${arrow(request.before.license, after.license)}`),
          field(`*Requested by*\n${mention(request.requesterId)}, ${formatDuration(now.getTime() - request.createdAt.getTime())} ago`),
          field(`*Reason*\n${request.reason ? esc(request.reason) : '_none given_'}`),
        ],
      },
      {
        type: 'input',
        block_id: ids.block.comment,
        optional: kind === 'approve',
        label: plain(kind === 'approve' ? 'Comment' : 'Why reject it?'),
        element: { type: 'plain_text_input', action_id: ids.action.comment, multiline: true, max_length: REASON_MAX },
      },
    ],
    kind === 'approve' ? 'Approve' : 'Reject',
  );
}
