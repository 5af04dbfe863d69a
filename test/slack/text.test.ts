import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommand } from '../../src/slack/command-text.ts';
import { esc, mention } from '../../src/slack/views/text.ts';

describe('escaping', () => {
  it('leaves no < or > so no mention or link can be formed', () => {
    for (const hostile of ['<!channel>', '<@U123>', '<https://x|y>', '<!subteam^S1>', '&lt;!here&gt;'])
      assert.doesNotMatch(esc(hostile), /[<>]/);
    assert.equal(esc('a & b'), 'a &amp; b');
  });
  it('mentions only IDs', () => {
    assert.equal(mention('U0ALICE'), '<@U0ALICE>');
    assert.equal(mention('<!channel>'), '&lt;!channel&gt;');
  });
});

describe('parseCommand', () => {
  const id = '3f1c9a1e-5b1a-4c5e-9a7e-0c6f3b2a1d00';
  it('reads every subcommand, case-insensitively', () => {
    assert.deepEqual(parseCommand(''), { kind: 'update' });
    assert.deepEqual(parseCommand(`UPDATE ${id}`), { kind: 'update', accountId: id });
    assert.deepEqual(parseCommand(id), { kind: 'update', accountId: id });
    assert.deepEqual(parseCommand(`show ${id}`), { kind: 'show', accountId: id });
    assert.deepEqual(parseCommand('list Acme Sales'), { kind: 'list', prefix: 'Acme Sales' });
    assert.deepEqual(parseCommand('list'), { kind: 'list', prefix: undefined });
    assert.deepEqual(parseCommand(`history ${id}`), { kind: 'history', accountId: id });
    assert.deepEqual(parseCommand('history'), { kind: 'history', accountId: undefined });
    assert.deepEqual(parseCommand('help'), { kind: 'help' });
  });
  it('refuses IDs that could carry markup, and unknown words', () => {
    assert.equal(parseCommand('show <!channel>').kind, 'help');
    assert.equal(parseCommand('show').kind, 'help');
    assert.equal(parseCommand('frobnicate').kind, 'help');
  });
});
