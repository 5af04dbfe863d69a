/**
 * Tells one person something only they should see — the one way the bot does it, for listeners and the outbox
 * alike: by the command's response_url while it lasts, else an ephemeral message in the channel, else a DM.
 */
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../workflow/ports.ts';
import { postToResponseUrl } from './response-url.ts';
import { md } from './views/text.ts';

export interface Recipient {
  userId: string;
  channelId?: string;
  responseUrl?: string;
}

export class Notifier {
  readonly #client: WebClient;
  readonly #logger: Logger;

  constructor(client: WebClient, logger: Logger) {
    this.#client = client;
    this.#logger = logger;
  }

  /** `text` is mrkdwn the caller has already escaped; `blocks` default to one section of it. */
  async tell(to: Recipient, text: string, blocks: KnownBlock[] = [{ type: 'section', text: md(text) }]): Promise<void> {
    if (to.responseUrl) {
      try {
        await postToResponseUrl(to.responseUrl, { response_type: 'ephemeral', replace_original: false, text, blocks });
        return;
      } catch {
        // the URL expired or was used up: try the next way
      }
    }
    if (to.channelId) {
      try {
        await this.#client.chat.postEphemeral({ channel: to.channelId, user: to.userId, text, blocks });
        return;
      } catch {
        // not in the channel, or a DM channel: try a DM
      }
    }
    try {
      await this.#client.chat.postMessage({ channel: to.userId, text, blocks });
    } catch (error) {
      this.#logger.error(`could not tell ${to.userId}`, error);
    }
  }
}
