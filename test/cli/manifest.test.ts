/** manifest.yml declares what the bot uses: the command, interactivity with the options load URL, and its scopes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

describe('manifest.yml', () => {
  const manifest = parse(readFileSync('manifest.yml', 'utf8'));

  it('declares /chime-account, interactivity and the options load URL on /slack/events', () => {
    const command = manifest.features.slash_commands.find((c: { command: string }) => c.command === '/chime-account');
    assert.match(command.url, /\/slack\/events$/);
    assert.equal(manifest.settings.interactivity.is_enabled, true);
    assert.match(manifest.settings.interactivity.request_url, /\/slack\/events$/);
    assert.match(manifest.settings.interactivity.message_menu_options_url, /\/slack\/events$/);
  });

  it('enables the Home tab (and keeps the read-only Messages tab) and subscribes to app_home_opened on /slack/events', () => {
    assert.equal(manifest.features.app_home.home_tab_enabled, true);
    assert.equal(manifest.features.app_home.messages_tab_enabled, true);
    assert.equal(manifest.features.app_home.messages_tab_read_only_enabled, true);
    assert.match(manifest.settings.event_subscriptions.request_url, /\/slack\/events$/);
    assert.deepEqual(manifest.settings.event_subscriptions.bot_events, ['app_home_opened']);
  });

  it('asks for exactly the bot scopes the bot calls need', () => {
    // commands; chat.postMessage/postEphemeral/update; usergroups.users.list; users.info. views.publish (the Home
    // tab) and app_home_opened need no scope.
    assert.deepEqual([...manifest.oauth_config.scopes.bot].sort(), ['chat:write', 'commands', 'usergroups:read', 'users:read']);
  });
});
