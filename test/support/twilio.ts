import { createHmac, randomBytes } from 'node:crypto';
import type { HttpEvent } from '../../functions/lib/http.js';
import { loadEvent } from './events.js';

/** The Twilio test configuration the fixtures under events/sms/ are signed for. */
export const TWILIO_TEST_AUTH_TOKEN = 'carebridge-test-twilio-auth-token';
export const TWILIO_TEST_WEBHOOK_URL =
  'https://abc123defg.execute-api.us-east-1.amazonaws.com/v1/channels/sms/twilio';
export const TWILIO_TEST_ACCOUNT_SID = 'AC5ef8732a3c49700934481addd5ce1659';

/**
 * Twilio's documented signature, computed independently of the library under test: base64 HMAC-SHA1 of
 * the URL followed by each parameter name and value, sorted by name (repeated names: values sorted).
 */
export function twilioSignature(
  authToken: string,
  url: string,
  params: readonly (readonly [string, string])[],
): string {
  const data = [...params]
    .sort(([nameA, valueA], [nameB, valueB]) => compare(nameA, nameB) || compare(valueA, valueB))
    .reduce((text, [name, value]) => text + name + value, url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The form parameters of a fixture's base64 body, in order. */
export function formParamsOf(event: HttpEvent): [string, string][] {
  return [...new URLSearchParams(Buffer.from(event.body ?? '', 'base64').toString('utf8'))];
}

/** Replaces an event's form body (base64, as API Gateway delivers it) and signs it for the test configuration. */
export function withSignedForm(event: HttpEvent, params: readonly (readonly [string, string])[]): HttpEvent {
  const body = new URLSearchParams(params.map(([name, value]): [string, string] => [name, value])).toString();
  return {
    ...event,
    body: Buffer.from(body, 'utf8').toString('base64'),
    isBase64Encoded: true,
    headers: {
      ...event.headers,
      'content-length': String(Buffer.byteLength(body)),
      'x-twilio-signature': twilioSignature(TWILIO_TEST_AUTH_TOKEN, TWILIO_TEST_WEBHOOK_URL, params),
    },
  };
}

/** The signed Twilio SMS fixture with some parameters changed (or added), re-signed. */
export function twilioEvent(
  changes: Record<string, string> = {},
  fixture = 'sms/twilio-webhook.json',
): HttpEvent {
  const event = loadEvent<HttpEvent>(fixture);
  const params = formParamsOf(event);
  const changed = params.map(([name, value]): [string, string] => [name, changes[name] ?? value]);
  const added = Object.entries(changes).filter(([name]) => !params.some(([existing]) => existing === name));
  return withSignedForm(event, [...changed, ...added]);
}

/** The local stack's Twilio settings (`.carebridge/local.json` `twilio`). */
export interface LocalTwilio {
  readonly webhookUrl: string;
  readonly authToken: string;
  readonly accountSid: string;
  readonly number: string;
}

/**
 * POSTs an incoming SMS to the local stack's Twilio webhook from `from`, signed as Twilio signs it, with
 * a fresh MessageSid; the answer is checked against the OpenAPI contract like every e2e answer.
 */
export async function postLocalSms(twilio: LocalTwilio, from: string, body: string): Promise<Response> {
  const { checkedFetch } = await import('./contract.js');
  const sid = `SM${randomBytes(16).toString('hex')}`;
  const params: [string, string][] = [
    ['MessageSid', sid],
    ['SmsSid', sid],
    ['AccountSid', twilio.accountSid],
    ['From', from],
    ['To', twilio.number],
    ['Body', body],
    ['NumMedia', '0'],
  ];
  return checkedFetch(twilio.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(twilio.authToken, twilio.webhookUrl, params),
    },
    body: new URLSearchParams(params).toString(),
  });
}
