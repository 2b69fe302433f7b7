import type { UnsubscribeLinkError } from '../../shared/campaigns/unsubscribe-link.js';
import type { ConsentChannel } from '../../shared/schemas/index.js';
import { htmlPage } from '../lib/html-page.js';
import type { HttpResult } from '../lib/http.js';

/**
 * The small HTML pages of the unsubscribe link: a person opens them from a mail program, so they are
 * pages, not JSON. They name no customer and no address, every value written into them is escaped, and
 * they load nothing from elsewhere.
 */

const MESSAGES_OF: Record<ConsentChannel, string> = {
  email: 'emails',
  sms: 'text messages',
  chat: 'chat messages',
};

/** A page with a title, a paragraph and optionally the one-click form RFC 8058 defines, posted back here. */
function page(statusCode: number, title: string, text: string, withForm = false): HttpResult {
  return htmlPage(
    statusCode,
    title,
    text,
    withForm ? { field: 'List-Unsubscribe', value: 'One-Click', button: 'Unsubscribe' } : undefined,
  );
}

/** The page the link opens: asks to confirm, changes nothing. */
export function confirmationPage(channel: ConsentChannel): HttpResult {
  return page(200, 'Unsubscribe', `Press Unsubscribe to stop receiving our ${MESSAGES_OF[channel]}.`, true);
}

/** The answer once unsubscribed (the same for a first and a repeated request). */
export function unsubscribedPage(channel: ConsentChannel): HttpResult {
  return page(200, 'You are unsubscribed', `You will not receive our ${MESSAGES_OF[channel]} any more.`);
}

/** A link that does not work: 410 once expired, 400 when it is not one of ours. */
export function brokenLinkPage(error: UnsubscribeLinkError): HttpResult {
  return error.refusal === 'expired'
    ? page(
        410,
        'This link has expired',
        'Unsubscribe links work for 30 days. Use the link in a newer message.',
      )
    : page(
        400,
        'This link does not work',
        'The link is not valid. Use the link in the message as it was sent.',
      );
}
