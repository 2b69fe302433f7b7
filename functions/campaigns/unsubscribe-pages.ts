import type { UnsubscribeLinkError } from '../../shared/campaigns/unsubscribe-link.js';
import type { ConsentChannel } from '../../shared/schemas/index.js';
import type { HttpResult } from '../lib/http.js';

/**
 * The small HTML pages of the unsubscribe link: a person opens them from a mail program, so they are
 * pages, not JSON. They name no customer and no address, every value written into them is escaped, and
 * they load nothing from elsewhere.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character] ?? character);
}

const MESSAGES_OF: Record<ConsentChannel, string> = {
  email: 'emails',
  sms: 'text messages',
  chat: 'chat messages',
};

/** A page with a title, a paragraph and optionally the one-click form, posted back to this very URL. */
function page(statusCode: number, title: string, text: string, withForm = false): HttpResult {
  // No action: the form posts to the page's own URL, token included, with the body RFC 8058 defines.
  const form = withForm
    ? '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>'
    : '';
  return {
    statusCode,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1.5rem}</style></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>${form}</body></html>`,
  };
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
