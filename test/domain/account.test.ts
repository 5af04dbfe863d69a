import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Account, licenseChoices, lockReason, validateChange } from '../../src/domain/account.ts';

const account: Account = {
  accountId: 'a1',
  awsAccountId: '111122223333',
  name: 'Acme',
  type: 'Team',
  status: 'Active',
  defaultLicense: 'Pro',
  supportedLicenses: ['Basic', 'Pro'],
  signinDelegateGroups: [],
};

describe('validateChange', () => {
  it('trims the name and keeps only the fields that change', () => {
    assert.deepEqual(validateChange(account, { name: '  Acme Corp ', license: 'Pro' }), { ok: true, change: { name: 'Acme Corp' } });
    assert.deepEqual(validateChange(account, { name: 'Acme', license: 'Basic' }), { ok: true, change: { license: 'Basic' } });
  });
  it('refuses a blank name, a name over 100 characters and control characters, on the name field', () => {
    for (const name of ['', '   ', 'x'.repeat(101), 'a\u0000b']) {
      const r = validateChange(account, { name, license: 'Pro' });
      assert.equal(r.ok, false, JSON.stringify(name));
      assert.ok(!r.ok && r.errors.name);
    }
    assert.equal(validateChange(account, { name: '🙂'.repeat(100), license: 'Pro' }).ok, true, '100 emoji are 100 characters');
  });
  it('refuses an unknown or unsupported license on the license field', () => {
    const bogus = validateChange(account, { name: 'Acme', license: 'Bogus' });
    assert.ok(!bogus.ok && bogus.errors.license);
    const unsupported = validateChange(account, { name: 'Acme', license: 'Plus' });
    assert.ok(!unsupported.ok && /Basic, Pro/.test(unsupported.errors.license!));
  });
  it('refuses a change that changes nothing', () => {
    const r = validateChange(account, { name: ' Acme ', license: 'Pro' });
    assert.ok(!r.ok && /Nothing to change/.test(r.errors.name!));
  });
  it('offers all four licenses when the account lists none', () => {
    assert.deepEqual(licenseChoices({ supportedLicenses: [] }), ['Basic', 'Plus', 'Pro', 'ProTrial']);
  });
  it('locks suspended accounts and accounts outside the policy', () => {
    assert.match(lockReason({ ...account, status: 'Suspended' }, true)!, /suspended/);
    assert.match(lockReason(account, false)!, /policy/);
    assert.equal(lockReason(account, true), undefined);
  });
});
