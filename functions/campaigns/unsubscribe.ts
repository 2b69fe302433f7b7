import {
  OneClickBodySchema,
  type UnsubscribeClaim,
  UnsubscribeLinkError,
  UnsubscribeTokenFieldsSchema,
  unsubscribe,
  verifyUnsubscribeToken,
} from '../../shared/campaigns/unsubscribe-link.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, parseInput } from '../lib/http.js';
import { logger } from '../lib/logger.js';
import { brokenLinkPage, unsubscribedPage } from './unsubscribe-pages.js';
import { ONE_CLICK_BODY_MAX_BYTES, readOneClickForm } from './unsubscribe-request.js';

const db = createDb(requireEnv('TABLE_NAME'));
const identitySecret = lazily(loadIdentitySecret);

/**
 * POST /v1/unsubscribe?token=… with the form body `List-Unsubscribe=One-Click` (RFC 8058: what a mail
 * provider sends when the reader presses its Unsubscribe button, and what the confirmation page posts):
 * opts the link's customer out of its channel (source `unsubscribe-link:<campaignId>`). 200 for a first
 * and a repeated request alike; a link that is not ours is 400, an expired one 410, naming no customer.
 */
export const handler = httpHandler(async (event) => {
  parseInput(OneClickBodySchema, await readOneClickForm(event, ONE_CLICK_BODY_MAX_BYTES));
  const { token } = parseInput(UnsubscribeTokenFieldsSchema, event.queryStringParameters ?? {});
  let claim: UnsubscribeClaim;
  try {
    claim = await verifyUnsubscribeToken(await identitySecret(), token, systemClock);
  } catch (error) {
    if (error instanceof UnsubscribeLinkError) return brokenLinkPage(error);
    throw error;
  }
  const result = await unsubscribe(db, claim, systemClock);
  logger.info('unsubscribed by link', { channel: claim.channel, changed: result.changed });
  return unsubscribedPage(claim.channel);
});
