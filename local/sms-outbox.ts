import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as z from 'zod';
import type { GatewayResponse } from './apigw-v2.js';
import type { LocalRequest, LocalRoute } from './gateway.js';

/**
 * The local stack's SMS providers: stand-ins for Twilio's Messages API and End User Messaging SMS's
 * SendTextMessage, served on the local gateway, which keep what they are asked to send in an outbox
 * instead of sending it. Handlers reach them through their usual configuration (TWILIO_API_BASE_URL,
 * AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2); people and tests read the outbox at `GET /local/outbox`.
 */

/** Where the stand-ins live on the gateway. */
export const TWILIO_API_PATH = '/local/twilio';
export const EUM_API_PATH = '/local/eum';
export const OUTBOX_PATH = '/local/outbox';

/** One SMS a handler sent. */
export interface OutboxSms {
  /** Twilio's message SID (`SM…`) or End User Messaging's message id. */
  readonly id: string;
  readonly provider: 'twilio' | 'eum';
  readonly to: string;
  /** Our number it was sent from; absent when Twilio was left to pick it (a messaging service). */
  readonly from?: string;
  readonly messagingServiceSid?: string;
  readonly body: string;
  /** When the provider accepted it (ISO 8601). */
  readonly sentAt: string;
}

export interface SmsOutboxOptions {
  /** The local Twilio account: requests must authenticate as it (HTTP basic, SID and auth token). */
  readonly twilioAccountSid: string;
  readonly twilioAuthToken: string;
  /** Numbers of the account: Twilio refuses to send from any other (error 21606). */
  readonly twilioNumbers: readonly string[];
  readonly now?: () => number;
}

/** The outbox and the routes that fill and show it. */
export interface SmsOutbox {
  readonly routes: readonly LocalRoute[];
  /** Sent SMS, oldest first; only those to `to` when given. */
  list(to?: string): readonly OutboxSms[];
}

const E164 = /^\+[1-9]\d{6,14}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-f]{32}$/;
const MAX_BODY_CHARS = 1600;
const MAX_OUTBOX = 1000;

/** Creates an empty outbox with its Twilio, End User Messaging and outbox routes. */
export function createSmsOutbox(options: SmsOutboxOptions): SmsOutbox {
  const now = options.now ?? Date.now;
  const messages: OutboxSms[] = [];
  const keep = (sms: OutboxSms) => {
    messages.push(sms);
    if (messages.length > MAX_OUTBOX) messages.shift();
  };
  const list = (to?: string) => messages.filter((sms) => to === undefined || sms.to === to);

  const twilio = (request: LocalRequest): GatewayResponse => {
    const credentials = basicCredentials(request.headers.authorization);
    const authenticated =
      credentials !== undefined &&
      credentials.username === options.twilioAccountSid &&
      sameSecret(credentials.password, options.twilioAuthToken);
    if (!authenticated) {
      return twilioError(401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    const accountSid = request.pathParameters.AccountSid ?? '';
    if (accountSid !== options.twilioAccountSid) {
      return twilioError(
        404,
        20404,
        `The requested resource /2010-04-01/Accounts/${accountSid}/Messages.json was not found`,
      );
    }
    const form = /^application\/x-www-form-urlencoded\b/i.test(request.headers['content-type'] ?? '')
      ? new URLSearchParams(request.body.toString('utf8'))
      : new URLSearchParams();
    const to = form.get('To') ?? '';
    const from = form.get('From') ?? undefined;
    const serviceSid = form.get('MessagingServiceSid') ?? undefined;
    const body = form.get('Body') ?? '';
    if (to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from === undefined && serviceSid === undefined) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (from !== undefined && !options.twilioNumbers.includes(from)) {
      return twilioError(
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (serviceSid !== undefined && !MESSAGING_SERVICE_SID.test(serviceSid)) {
      return twilioError(400, 21701, `The Messaging Service Sid ${serviceSid} is invalid.`);
    }
    if (body === '' && !form.has('MediaUrl')) return twilioError(400, 21602, 'Message body is required.');
    if ([...body].length > MAX_BODY_CHARS) {
      return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const sentAt = new Date(now());
    keep({
      id: sid,
      provider: 'twilio',
      to,
      ...(from !== undefined ? { from } : {}),
      ...(serviceSid !== undefined ? { messagingServiceSid: serviceSid } : {}),
      body,
      sentAt: sentAt.toISOString(),
    });
    const date = rfc2822(sentAt);
    return json(201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: date,
      date_sent: null,
      date_updated: date,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: from ?? null,
      messaging_service_sid: serviceSid ?? null,
      num_media: '0',
      num_segments: String(segments(body)),
      price: null,
      price_unit: 'USD',
      sid,
      // Twilio answers `accepted` when a messaging service has yet to pick the sender.
      status: from === undefined ? 'accepted' : 'queued',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
    });
  };

  const eum = (request: LocalRequest): GatewayResponse => {
    if (!/^AWS4-HMAC-SHA256 /.test(request.headers.authorization ?? '')) {
      return awsJsonError(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    if (request.headers['x-amz-target'] !== 'PinpointSMSVoiceV2.SendTextMessage') {
      return awsJsonError(400, 'UnknownOperationException', 'only SendTextMessage is served locally');
    }
    let input: unknown;
    try {
      input = JSON.parse(request.body.toString('utf8'));
    } catch {
      return awsJsonError(400, 'SerializationException', 'the body is not JSON');
    }
    const parsed = SendTextMessageSchema.safeParse(input);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(body)').join(', ');
      return awsJsonError(400, 'ValidationException', `invalid fields: ${fields}`);
    }
    const messageId = randomUUID();
    keep({
      id: messageId,
      provider: 'eum',
      to: parsed.data.DestinationPhoneNumber,
      ...(parsed.data.OriginationIdentity ? { from: parsed.data.OriginationIdentity } : {}),
      body: parsed.data.MessageBody ?? '',
      sentAt: new Date(now()).toISOString(),
    });
    return json(200, { MessageId: messageId }, 'application/x-amz-json-1.0');
  };

  const outbox = (request: LocalRequest): GatewayResponse => {
    const to = request.query.get('to') ?? undefined;
    return json(200, { messages: list(to) });
  };

  return {
    list,
    routes: [
      {
        method: 'POST',
        path: `${TWILIO_API_PATH}/2010-04-01/Accounts/{AccountSid}/Messages.json`,
        respond: twilio,
      },
      // The SDK posts to the endpoint's path plus `/`.
      { method: 'POST', path: EUM_API_PATH, respond: eum },
      { method: 'POST', path: `${EUM_API_PATH}/`, respond: eum },
      { method: 'GET', path: OUTBOX_PATH, respond: outbox },
      {
        method: 'DELETE',
        path: OUTBOX_PATH,
        respond: () => {
          messages.length = 0;
          return { statusCode: 204, headers: {}, cookies: [], body: Buffer.alloc(0) };
        },
      },
    ],
  };
}

/** SendTextMessage's request, the fields the outbox keeps (AWS accepts more). */
const SendTextMessageSchema = z.looseObject({
  DestinationPhoneNumber: z.string().regex(E164),
  OriginationIdentity: z.string().min(1).max(256).optional(),
  MessageBody: z.string().max(MAX_BODY_CHARS).optional(),
  MessageType: z.enum(['TRANSACTIONAL', 'PROMOTIONAL']).optional(),
});

function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Segments Twilio bills: 160 GSM characters (153 when split), 70 otherwise (67 when split). */
function segments(body: string): number {
  const characters = [...body].length;
  const gsm = /^[\x20-\x7E\r\n]*$/.test(body);
  const [single, part] = gsm ? [160, 153] : [70, 67];
  return characters <= single ? 1 : Math.ceil(characters / part);
}

/** Twilio's date format: `Thu, 26 Nov 2026 12:30:05 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function json(statusCode: number, body: unknown, contentType = 'application/json'): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': contentType },
    cookies: [],
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}

/** Twilio's error body (https://www.twilio.com/docs/api/errors). */
function twilioError(
  statusCode: number,
  code: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): GatewayResponse {
  const response = json(statusCode, {
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status: statusCode,
  });
  return { ...response, headers: { ...response.headers, ...headers } };
}

/** An error of an AWS JSON 1.0 API: the type in `__type` and `x-amzn-errortype`. */
function awsJsonError(statusCode: number, type: string, message: string): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': type },
    cookies: [],
    body: Buffer.from(JSON.stringify({ __type: type, message }), 'utf8'),
  };
}
