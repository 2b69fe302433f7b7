import { isValidTwilioSignature } from '../../shared/channels/sms/twilio-signature.js';
import {
  type FormParams,
  parseFormBody,
  TWILIO_WEBHOOK_MAX_BYTES,
} from '../../shared/channels/sms/twilio-webhook.js';
import { ForbiddenError } from '../../shared/errors.js';
import { HttpError, type HttpEvent, type HttpResult, headerValue } from '../lib/http.js';
import { logger } from '../lib/logger.js';

/** What a Twilio request is checked against. */
export interface TwilioWebhookTrust {
  readonly authToken: string;
  /** The public URL configured in Twilio. */
  readonly webhookUrl: string;
}

/**
 * Reads a Twilio webhook request and proves it came from Twilio, before anything is parsed further:
 * a body over 16 KB is refused (413), a missing or wrong X-Twilio-Signature is refused (403), then a
 * body that is not a form (415). The parameters are still unvalidated.
 */
export function readSignedTwilioForm(event: HttpEvent, trust: TwilioWebhookTrust): FormParams {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > TWILIO_WEBHOOK_MAX_BYTES) {
    throw new HttpError(413, 'payload_too_large', `body exceeds ${TWILIO_WEBHOOK_MAX_BYTES} bytes`);
  }
  const isForm = /^application\/x-www-form-urlencoded\b/i.test(headerValue(event, 'content-type') ?? '');
  // Twilio signs the URL alone when there are no form parameters, so a non-form body is checked that way.
  const params = isForm ? parseFormBody(bytes.toString('utf8')) : {};
  const signature = headerValue(event, 'x-twilio-signature');
  if (!isValidTwilioSignature(trust.authToken, signature, trust.webhookUrl, params)) {
    // A wrong TWILIO_WEBHOOK_URL (not the URL configured in Twilio) is the usual cause: say so in the log.
    logger.warn('twilio signature rejected', { signaturePresent: signature !== undefined });
    throw new ForbiddenError('the request signature is missing or invalid');
  }
  if (!isForm) throw new HttpError(415, 'unsupported_media_type', 'send application/x-www-form-urlencoded');
  return params;
}

/** Twilio's expected answer when there is nothing to reply in-line: empty TwiML. */
export function emptyTwiml(): HttpResult {
  return {
    statusCode: 200,
    headers: { 'content-type': 'text/xml' },
    body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
  };
}
