import {
  UnsubscribeLinkError,
  UnsubscribeTokenFieldsSchema,
  verifyUnsubscribeToken,
} from '../../shared/campaigns/unsubscribe-link.js';
import { systemClock } from '../../shared/clock.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { httpHandler, parseInput } from '../lib/http.js';
import { brokenLinkPage, confirmationPage } from './unsubscribe-pages.js';

const identitySecret = lazily(loadIdentitySecret);

/**
 * GET /v1/unsubscribe?token=…: the page a campaign's unsubscribe link opens in a browser. It changes
 * nothing (mail scanners follow links): it shows an Unsubscribe button that posts the one-click form
 * back, or says the link no longer works (400 not ours, 410 expired), naming no customer either way.
 */
export const handler = httpHandler(async (event) => {
  const { token } = parseInput(UnsubscribeTokenFieldsSchema, event.queryStringParameters ?? {});
  try {
    const claim = await verifyUnsubscribeToken(await identitySecret(), token, systemClock);
    return confirmationPage(claim.channel);
  } catch (error) {
    if (error instanceof UnsubscribeLinkError) return brokenLinkPage(error);
    throw error;
  }
});
