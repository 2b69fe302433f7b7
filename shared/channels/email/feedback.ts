import * as z from 'zod/mini';
import { ValidationError } from '../../errors.js';
import { InvalidIdentityError, normalizeEmail } from '../../ingest/identity.js';
import type { IdentityRef } from '../../schemas/index.js';
import { fieldIssues } from '../../schemas/issues.js';
import type { Db } from '../../store/db.js';
import { markUndeliverable, type UndeliverableReason } from '../../store/deliverability.js';

/**
 * SES bounce and complaint notifications (identity notifications carry `notificationType`, configuration
 * set event publishing `eventType`), delivered through SNS. Provider payloads: unknown fields are ignored.
 */
const RecipientSchema = z.object({ emailAddress: z.string().check(z.maxLength(998)) });
const SesNotificationSchema = z.object({
  notificationType: z.optional(z.string().check(z.maxLength(100))),
  eventType: z.optional(z.string().check(z.maxLength(100))),
  bounce: z.optional(
    z.object({
      bounceType: z.string().check(z.maxLength(50)),
      bounceSubType: z.optional(z.string().check(z.maxLength(50))),
      bouncedRecipients: z.array(RecipientSchema).check(z.maxLength(1000)),
      timestamp: z.iso.datetime({ offset: true }),
    }),
  ),
  complaint: z.optional(
    z.object({
      complainedRecipients: z.array(RecipientSchema).check(z.maxLength(1000)),
      complaintFeedbackType: z.optional(z.string().check(z.maxLength(100))),
      timestamp: z.iso.datetime({ offset: true }),
    }),
  ),
});

export const SnsEventSchema = z.object({
  Records: z
    .array(
      z.object({
        EventSource: z.literal('aws:sns'),
        Sns: z.object({
          MessageId: z.string().check(z.maxLength(200)),
          Message: z.string().check(z.maxLength(262_144)),
        }),
      }),
    )
    .check(z.minLength(1), z.maxLength(10)),
});
export type SnsEvent = z.infer<typeof SnsEventSchema>;

/** Validates the SNS event that carries SES notifications; a malformed one is a ValidationError. */
export function parseSnsEvent(event: unknown): SnsEvent {
  const parsed = SnsEventSchema.safeParse(event);
  if (parsed.success) return parsed.data;
  throw new ValidationError('not an SNS event', fieldIssues(parsed.error), { cause: parsed.error });
}

/** What an SES notification means for deliverability. */
export type SesFeedback =
  | {
      readonly kind: 'undeliverable';
      readonly reason: UndeliverableReason;
      readonly at: string;
      readonly addresses: readonly IdentityRef[];
    }
  /** Deliveries, transient or undetermined bounces, "not spam" reports, SES's subscription test message. */
  | { readonly kind: 'ignored'; readonly type: string };

/**
 * Reads one SES notification (the SNS message text): a permanent bounce or a complaint makes its
 * recipients undeliverable; everything else is ignored. A message that is not JSON, or a bounce or
 * complaint without its details, is a ValidationError (poison: the Lambda's retries and on-failure
 * destination take it).
 */
export function parseSesNotification(text: string): SesFeedback {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      'the SES notification is not JSON',
      [{ path: 'Message', message: 'malformed JSON' }],
      {
        cause: error,
      },
    );
  }
  const parsed = SesNotificationSchema.safeParse(json);
  if (!parsed.success)
    throw new ValidationError('not an SES notification', fieldIssues(parsed.error), { cause: parsed.error });
  const notification = parsed.data;
  const type = notification.notificationType ?? notification.eventType ?? 'unknown';
  if (type === 'Bounce') {
    const { bounce } = notification;
    if (!bounce) throw missing('bounce');
    if (bounce.bounceType !== 'Permanent') return { kind: 'ignored', type: `Bounce/${bounce.bounceType}` };
    return {
      kind: 'undeliverable',
      reason: 'bounce',
      at: utc(bounce.timestamp),
      addresses: addresses(bounce.bouncedRecipients),
    };
  }
  if (type === 'Complaint') {
    const { complaint } = notification;
    if (!complaint) throw missing('complaint');
    // A recipient telling their provider "this is not spam" is no complaint.
    if (complaint.complaintFeedbackType === 'not-spam')
      return { kind: 'ignored', type: 'Complaint/not-spam' };
    return {
      kind: 'undeliverable',
      reason: 'complaint',
      at: utc(complaint.timestamp),
      addresses: addresses(complaint.complainedRecipients),
    };
  }
  return { kind: 'ignored', type: type.slice(0, 100) };
}

/**
 * Marks every address of an undeliverable feedback; addresses we never stored are left alone.
 * Returns how many were marked.
 */
export async function applySesFeedback(db: Db, feedback: SesFeedback): Promise<number> {
  if (feedback.kind === 'ignored') return 0;
  let marked = 0;
  for (const address of feedback.addresses) {
    if (await markUndeliverable(db, address, feedback.reason, feedback.at)) marked += 1;
  }
  return marked;
}

function missing(field: string): ValidationError {
  return new ValidationError('SES notification without its details', [{ path: field, message: 'required' }]);
}

function utc(timestamp: string): string {
  return new Date(timestamp).toISOString();
}

/** Recipient addresses in canonical form (SES may give `"Name" <address>`); invalid ones are skipped. */
function addresses(recipients: readonly { emailAddress: string }[]): IdentityRef[] {
  return recipients.flatMap(({ emailAddress }) => {
    const bare = /<([^<>]+)>\s*$/.exec(emailAddress)?.[1] ?? emailAddress;
    try {
      const identity: IdentityRef = { kind: 'email', value: normalizeEmail(bare) };
      return [identity];
    } catch (error) {
      if (error instanceof InvalidIdentityError) return [];
      throw error;
    }
  });
}
