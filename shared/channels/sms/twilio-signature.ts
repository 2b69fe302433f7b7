// Twilio's own helper library, imported by file so only the webhook validator is bundled: about 4 KB
// minified (esbuild, ESM, node22), against the REST client's axios and friends. Maintained by Twilio
// and kept in step with how Twilio signs (port variants, repeated parameters, URL normalization),
// which a hand-written HMAC would have to track by itself.
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import type { FormParams } from './twilio-webhook.js';

/**
 * Checks Twilio's `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the account's auth token, of the
 * public webhook URL followed by every POST parameter name and value sorted by name, compared in
 * constant time. `url` must be the URL configured in Twilio (with its query string), never one
 * rebuilt from the request's host and stage, which differ behind API Gateway.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: FormParams,
): boolean {
  if (signature === undefined || signature === '') return false;
  return validateRequest(authToken, signature, url, params);
}
