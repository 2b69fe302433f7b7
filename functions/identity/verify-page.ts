import { systemClock } from '../../shared/clock.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import {
  InvalidVerificationLinkError,
  VerificationTokenFieldsSchema,
  verifyVerificationToken,
} from '../../shared/identity/verification-link.js';
import { httpHandler, parseInput } from '../lib/http.js';
import { INVALID_LINK_PAGE, page } from './pages.js';

const identitySecret = lazily(loadIdentitySecret);

/**
 * GET /v1/identity/verify?token=…: the page a verification link opens. It changes nothing (mail scanners
 * follow links): it shows a Confirm button that posts the token back, or says the link no longer works.
 */
export const handler = httpHandler(async (event) => {
  const { token } = parseInput(VerificationTokenFieldsSchema, event.queryStringParameters ?? {});
  try {
    await verifyVerificationToken(await identitySecret(), token, systemClock);
  } catch (error) {
    if (error instanceof InvalidVerificationLinkError) return INVALID_LINK_PAGE();
    throw error;
  }
  return page(
    200,
    'Confirm your email address',
    'Press Confirm to confirm that this email address is yours.',
    token,
  );
});
