import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { lazily } from '../../shared/config/secret.js';
import { proveIdentity } from '../../shared/identity/prove-identity.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import {
  InvalidVerificationLinkError,
  VerificationTokenFieldsSchema,
  verifyVerificationToken,
} from '../../shared/identity/verification-link.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, parseInput, readFormBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';
import { INVALID_LINK_PAGE, page } from './pages.js';

const db = createDb(requireEnv('TABLE_NAME'));
const identitySecret = lazily(loadIdentitySecret);

/**
 * POST /v1/identity/verify (form `token=…`, from the confirmation page): proves the email the link was
 * mailed to for the customer who claimed it (shared/identity/prove-identity.ts). The answer is the same
 * whatever the proof did, so it tells nothing about other customers.
 */
export const handler = httpHandler(async (event) => {
  const { token } = parseInput(VerificationTokenFieldsSchema, readFormBody(event, 4 * 1024));
  let claim: Awaited<ReturnType<typeof verifyVerificationToken>>;
  try {
    claim = await verifyVerificationToken(await identitySecret(), token, systemClock);
  } catch (error) {
    if (error instanceof InvalidVerificationLinkError) return INVALID_LINK_PAGE();
    throw error;
  }
  const result = await proveIdentity(
    db,
    claim.customerId,
    { kind: 'email', value: claim.email },
    systemClock,
  );
  logger.info('email verified by link', { outcome: result.outcome });
  return page(200, 'Thank you', 'Your email address is confirmed.');
});
