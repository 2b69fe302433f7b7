import { randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { ValidationError } from '../../errors.js';
import { fieldIssues } from '../../schemas/issues.js';
import { clip } from '../../text/sanitize.js';

/**
 * SES receipt events, as the SES "Lambda action" delivers them: `Records[].ses.{mail, receipt}`.
 * Provider payloads: unknown fields are accepted (SES adds fields over time) and ignored.
 */

/** SES message ids are short lowercase base32-like tokens; the guard keeps them safe in S3 and table keys. */
export const SesMessageIdSchema = z.string().check(z.regex(/^[A-Za-z0-9-]{8,128}$/, 'not an SES message id'));

/**
 * The most any one string or list of the event can hold: Lambda's limit for an asynchronous payload.
 * Header content is the sender's, not SES's, and SES passes it on unbounded; a long value is therefore
 * clipped rather than refused, so one over-long Subject or To cannot send the whole event to retries.
 */
const MAX_EVENT_BYTES = 1024 * 1024;

/** A header-derived string: accepted up to the event's size, kept to its first `kept` characters. */
function headerText(kept: number) {
  return z.string().check(
    z.maxLength(MAX_EVENT_BYTES),
    z.overwrite((value) => clip(value, kept)),
  );
}

/** A header-derived list: accepted up to the event's size, kept to its first `kept` entries. */
function headerList<T extends z.core.SomeType>(item: T, kept: number) {
  return z.array(item).check(
    z.maxLength(MAX_EVENT_BYTES),
    z.overwrite((list) => list.slice(0, kept)),
  );
}

const VerdictSchema = z.object({ status: z.string().check(z.maxLength(50)) });
const HeaderSchema = z.object({
  name: headerText(200),
  value: headerText(65_536),
});
/** Envelope addresses: SES takes at most 50 recipients per message, so more is not an SES event. */
const AddressListSchema = z.array(z.string().check(z.maxLength(2048))).check(z.maxLength(100));
/** Addresses of a header (From, To): as many as the sender wrote. */
const HeaderAddressListSchema = headerList(headerText(2048), 100);

export const SesMailSchema = z.object({
  timestamp: z.iso.datetime({ offset: true }),
  /** The envelope sender (MAIL FROM); empty for a null sender. */
  source: z.string().check(z.maxLength(998)),
  messageId: SesMessageIdSchema,
  destination: AddressListSchema,
  headersTruncated: z.optional(z.boolean()),
  headers: z._default(headerList(HeaderSchema, 2000), []),
  commonHeaders: z.optional(
    z.object({
      from: z.optional(HeaderAddressListSchema),
      to: z.optional(HeaderAddressListSchema),
      subject: z.optional(headerText(4096)),
      messageId: z.optional(headerText(2048)),
      returnPath: z.optional(headerText(998)),
      date: z.optional(headerText(200)),
    }),
  ),
});
export type SesMail = z.infer<typeof SesMailSchema>;

export const SesReceiptSchema = z.object({
  timestamp: z.iso.datetime({ offset: true }),
  recipients: AddressListSchema,
  spamVerdict: z.optional(VerdictSchema),
  virusVerdict: z.optional(VerdictSchema),
  spfVerdict: z.optional(VerdictSchema),
  dkimVerdict: z.optional(VerdictSchema),
  dmarcVerdict: z.optional(VerdictSchema),
  /** Present only when DMARC failed: the sending domain's policy (`none`, `quarantine`, `reject`). */
  dmarcPolicy: z.optional(z.string().check(z.maxLength(50))),
  action: z.optional(z.object({ type: z.string().check(z.maxLength(50)) })),
});
export type SesReceipt = z.infer<typeof SesReceiptSchema>;

export const SesReceiptRecordSchema = z.object({
  eventSource: z.literal('aws:ses'),
  eventVersion: z.optional(z.string().check(z.maxLength(20))),
  ses: z.object({ mail: SesMailSchema, receipt: SesReceiptSchema }),
});
export type SesReceiptRecord = z.infer<typeof SesReceiptRecordSchema>;

export const SesLambdaEventSchema = z.object({
  Records: z.array(SesReceiptRecordSchema).check(z.minLength(1), z.maxLength(10)),
});
export type SesLambdaEvent = z.infer<typeof SesLambdaEventSchema>;

/** Validates an SES receipt event; a malformed one is a ValidationError naming the fields. */
export function parseSesLambdaEvent(event: unknown): SesLambdaEvent {
  const parsed = SesLambdaEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  throw new ValidationError('not an SES receipt event', fieldIssues(parsed.error), { cause: parsed.error });
}

/** Where the receipt rule's S3 action stores a message: `<prefix><SES message id>`. */
export function inboundObjectKey(prefix: string, sesMessageId: string): string {
  return `${prefix}${sesMessageId}`;
}

/** A new id in the shape SES gives received mail (lowercase base32, 32 characters). */
export function newSesMessageId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  return [...randomBytes(32)].map((byte) => alphabet[byte % 32]).join('');
}

export type VerdictStatus = 'PASS' | 'FAIL' | 'GRAY' | 'PROCESSING_FAILED';

/** What the local stack knows about a received message; everything else is filled in like SES does. */
export interface SesReceiptEventInput {
  /** The S3 object is stored under this id; a new one when absent. */
  readonly messageId?: string;
  /** SMTP MAIL FROM; empty for a null sender. */
  readonly source: string;
  /** SMTP RCPT TO addresses. */
  readonly recipients: readonly string[];
  /** The raw message; its header section fills `mail.headers` and `mail.commonHeaders`. */
  readonly raw?: Uint8Array;
  readonly receivedAt?: string;
  readonly verdicts?: Partial<Record<'spam' | 'virus' | 'spf' | 'dkim' | 'dmarc', VerdictStatus>>;
  readonly functionArn?: string;
}

/**
 * An SES receipt event (Lambda action, invocation type Event) of the shape SES sends, for the local
 * stack's SMTP listener and for tests: store the raw message under `inboundObjectKey(prefix, messageId)`,
 * then invoke functions/email/inbound.ts with this event.
 */
export function sesReceiptEvent(input: SesReceiptEventInput): SesLambdaEvent {
  const messageId = input.messageId ?? newSesMessageId();
  const timestamp = input.receivedAt ?? new Date().toISOString();
  const headers = input.raw ? rawHeaders(input.raw) : [];
  const first = (name: string) => headers.find((header) => header.name.toLowerCase() === name)?.value;
  const all = (name: string) =>
    headers.filter((header) => header.name.toLowerCase() === name).map((h) => h.value);
  const verdict = (kind: keyof NonNullable<SesReceiptEventInput['verdicts']>) => ({
    status: input.verdicts?.[kind] ?? 'PASS',
  });
  const subject = first('subject');
  const rfcMessageId = first('message-id');
  const date = first('date');
  const event = {
    Records: [
      {
        eventSource: 'aws:ses' as const,
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: input.source,
            messageId,
            destination: [...input.recipients],
            headersTruncated: false,
            headers: [{ name: 'Return-Path', value: `<${input.source}>` }, ...headers],
            commonHeaders: {
              returnPath: input.source,
              from: all('from'),
              to: all('to'),
              ...(subject !== undefined ? { subject } : {}),
              ...(rfcMessageId !== undefined ? { messageId: rfcMessageId } : {}),
              ...(date !== undefined ? { date } : {}),
            },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 1,
            recipients: [...input.recipients],
            spamVerdict: verdict('spam'),
            virusVerdict: verdict('virus'),
            spfVerdict: verdict('spf'),
            dkimVerdict: verdict('dkim'),
            dmarcVerdict: verdict('dmarc'),
            ...(input.verdicts?.dmarc === 'FAIL' ? { dmarcPolicy: 'reject' } : {}),
            action: {
              type: 'Lambda',
              invocationType: 'Event',
              functionArn:
                input.functionArn ??
                'arn:aws:lambda:us-east-1:000000000000:function:carebridge-email-inbound',
            },
          },
        },
      },
    ],
  };
  // Validated as the handler will validate it, but returned whole: parsing would strip the fields
  // SES sends that the handler does not read (processingTimeMillis, the action's function ARN).
  SesLambdaEventSchema.parse(event);
  return event;
}

const MAX_EVENT_HEADERS = 500;
const MAX_HEADER_VALUE = 65_536;

/** The header section of a raw message as SES lists it: unfolded, in order, names as written. */
function rawHeaders(raw: Uint8Array): { name: string; value: string }[] {
  const text = Buffer.from(raw.subarray(0, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const section = end === -1 ? text : text.slice(0, end);
  const headers: { name: string; value: string }[] = [];
  for (const line of section.split(/\r?\n/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value = `${last.value} ${line.trim()}`.slice(0, MAX_HEADER_VALUE);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (headers.length === MAX_EVENT_HEADERS) break;
    headers.push({
      name: line.slice(0, colon).trim().slice(0, 200),
      value: line
        .slice(colon + 1)
        .trim()
        .slice(0, MAX_HEADER_VALUE),
    });
  }
  return headers;
}
