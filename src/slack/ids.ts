/** Every callback_id, block_id and action_id the bot uses, in one place. */
export const ids = {
  view: {
    change: 'chime_change',
    review: 'chime_review',
    approve: 'chime_approve',
    reject: 'chime_reject',
    info: 'chime_info',
  },
  block: {
    picker: 'account_picker',
    name: 'name',
    license: 'license',
    reason: 'reason',
    comment: 'comment',
    requestActions: 'request_actions',
    summaryActions: 'summary_actions',
  },
  action: {
    pickAccount: 'pick_account',
    name: 'name_input',
    license: 'license_select',
    reason: 'reason_input',
    comment: 'comment_input',
    approve: 'request_approve',
    reject: 'request_reject',
    cancel: 'request_cancel',
    revert: 'change_revert',
    updateFromList: 'list_update',
    listNext: 'list_next',
    /** App Home: open the change form, as `/chime-account` does. */
    newChange: 'home_new_change',
  },
} as const;
