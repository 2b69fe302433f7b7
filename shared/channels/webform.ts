import { createHash } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import { type Clock, epochSeconds } from '../clock.js';
import { SiteSignatureSchema, signedIdentities } from '../identity/site-signature.js';
import { type VerificationRequester, verificationFor } from '../identity/verification-request.js';
import { InvalidIdentityError, normalizeEmail, normalizePhone } from '../ingest/identity.js';
import { ingestInbound } from '../ingest/ingest.js';
import type { RoutingHandoff } from '../routing/handoff.js';
import type { InboundMessage, TrustedIdentity } from '../schemas/index.js';
import { setConsent } from '../store/consent.js';
import type { Db } from '../store/db.js';
import { claimSubmissionId } from '../store/submission-markers.js';
import { messageBodyField, singleLineField } from '../text/fields.js';

/** Largest accepted `message`, in UTF-8 bytes. */
export const WEBFORM_MESSAGE_MAX_BYTES = 10 * 1024;
/** Largest accepted request body, in bytes. */
export const WEBFORM_BODY_MAX_BYTES = 64 * 1024;

function identityField<T>(normalize: (raw: string) => T) {
  return (raw: string, payload: z.core.ParsePayload): T => {
    try {
      return normalize(raw);
    } catch (error) {
      if (!(error instanceof InvalidIdentityError)) throw error;
      payload.issues.push({ code: 'custom', message: error.message, input: raw });
      return z.NEVER;
    }
  };
}

/**
 * A web-form submission. Strict: unknown keys are refused. `emailSignature` / `phoneSignature` are the
 * site's HMAC of the value (shared/identity/site-signature.ts); without one the value is a claim.
 * `website` is a honeypot: hidden from people by the form, filled in by bots.
 */
export function webFormSubmissionSchema(defaultCountry?: CountryCode) {
  return z
    .strictObject({
      email: z.optional(
        z.pipe(z.string().check(z.maxLength(254)), z.transform(identityField(normalizeEmail))),
      ),
      emailSignature: z.optional(SiteSignatureSchema),
      phone: z.optional(
        z.pipe(
          z.string().check(z.maxLength(32)),
          z.transform(identityField((raw) => normalizePhone(raw, defaultCountry))),
        ),
      ),
      phoneSignature: z.optional(SiteSignatureSchema),
      name: z.optional(singleLineField(200)),
      subject: z.optional(singleLineField(200)),
      message: messageBodyField(WEBFORM_MESSAGE_MAX_BYTES),
      submissionId: z.optional(
        z.string().check(z.regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8-128 letters, digits or . _ : -')),
      ),
      formId: z.optional(
        z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits or . _ -')),
      ),
      website: z.optional(z.string().check(z.maxLength(500))),
      /**
       * The visitor ticked "send me offers": an opt-in to marketing on the channels of the identities the
       * site signed (a claim cannot consent for an address someone else may own).
       */
      marketingConsent: z.optional(z.boolean()),
    })
    .check(
      z.superRefine((submission, context) => {
        if (submission.email === undefined && submission.phone === undefined) {
          context.addIssue({ code: 'custom', path: ['email'], message: 'give an email or a phone number' });
          context.addIssue({ code: 'custom', path: ['phone'], message: 'give an email or a phone number' });
        }
      }),
    );
}
export type WebFormSubmission = z.infer<ReturnType<typeof webFormSubmissionSchema>>;

/** True when the honeypot field was filled in: a bot, to be answered as usual but not recorded. */
export function isBotSubmission(submission: WebFormSubmission): boolean {
  return (submission.website ?? '').trim() !== '';
}

/** What receiving a web-form submission needs; built once at module scope by the handler. */
export interface WebFormReceiver {
  readonly db: Db;
  readonly handoff: RoutingHandoff;
  readonly clock: Clock;
  /** The identity secret that site signatures are checked with; loaded when a signature comes. */
  readonly identitySecret: () => Promise<Uint8Array>;
  /** Mails a verification link to a claimed email that created its customer. */
  readonly requestVerification: VerificationRequester;
}

/** The public answer: the id of the recorded message, and nothing about any customer. */
export interface WebFormReceipt {
  readonly interactionId: string;
}

/**
 * Receives a web-form submission:
 * 1. site signatures are checked (a bad one is a ValidationError naming the field): signed identities
 *    are verified, the others claimed;
 * 2. a bot (honeypot filled) gets an answer of the same shape, and nothing is stored;
 * 3. the message id is `<formId>:<submissionId>`, or, without a submissionId, the id of an identical
 *    submission (same sender and text) of the last ten minutes, so a double click is recorded once;
 * 4. ingest (claims never reach another customer), hand-off to routing, and a verification link for a
 *    claimed email that created its customer.
 * A reused submissionId with other content is IdempotencyKeyReusedError (409).
 */
export async function receiveWebForm(
  receiver: WebFormReceiver,
  submission: WebFormSubmission,
  receivedAt: string,
): Promise<WebFormReceipt> {
  const identities = await signedIdentities(submission, receiver.identitySecret);
  if (isBotSubmission(submission)) return { interactionId: receiver.clock.newId() };
  const formId = submission.formId ?? 'default';
  let submissionId = submission.submissionId;
  const refs: Record<string, string> = {};
  if (submissionId === undefined) {
    const hash = contentHash(submission, identities);
    submissionId = await claimSubmissionId(
      receiver.db,
      formId,
      hash,
      `auto-${receiver.clock.newId()}`,
      epochSeconds(receiver.clock),
    );
    // Names the repeat marker, so the customer's export and erasure find it (docs/data-rights.md).
    refs.submissionHash = hash;
  }
  const inbound = webFormToInbound(submission, identities, `${formId}:${submissionId}`, receivedAt);
  const message = { ...inbound, providerRefs: { ...inbound.providerRefs, ...refs } };
  const result = await ingestInbound(receiver.db, message, receiver.clock);
  if (submission.marketingConsent === true)
    await recordMarketingConsent(receiver, result.customerId, identities, receivedAt);
  await receiver.handoff(result);
  const verification = verificationFor(message, result);
  if (verification) await receiver.requestVerification(verification);
  return { interactionId: result.interactionId };
}

/** Opts the customer in to marketing on each channel whose identity the site signed (source `webform`). */
async function recordMarketingConsent(
  receiver: WebFormReceiver,
  customerId: string,
  identities: readonly TrustedIdentity[],
  at: string,
): Promise<void> {
  for (const identity of identities) {
    if (identity.trust !== 'verified') continue;
    const channel = identity.kind === 'email' ? 'email' : identity.kind === 'phone' ? 'sms' : undefined;
    if (channel === undefined) continue;
    await setConsent(
      receiver.db,
      customerId,
      channel,
      { status: 'opted_in', at, source: 'webform' },
      receiver.clock,
      {
        onlyStatusChange: true,
      },
    );
  }
}

/** Maps a submission to the canonical message, with identities whose trust is already decided. */
export function webFormToInbound(
  submission: WebFormSubmission,
  identities: readonly TrustedIdentity[],
  providerMessageId: string,
  receivedAt: string,
): InboundMessage {
  return {
    channel: 'webform',
    providerMessageId,
    receivedAt,
    identities: [...identities],
    ...(submission.name ? { name: submission.name } : {}),
    ...(submission.subject ? { subject: submission.subject } : {}),
    body: submission.message,
    attachments: [],
    providerRefs: { formId: submission.formId ?? 'default' },
  };
}

/** What makes two submissions the same: the form, the sender's identities, the name and the text. */
function contentHash(submission: WebFormSubmission, identities: readonly TrustedIdentity[]): string {
  const sender = identities.map((identity) => `${identity.kind}:${identity.value}:${identity.trust}`).sort();
  return createHash('sha256')
    .update(JSON.stringify([sender, submission.name ?? '', submission.subject ?? '', submission.message]))
    .digest('hex');
}
