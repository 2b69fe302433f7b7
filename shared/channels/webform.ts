import type { CountryCode } from 'libphonenumber-js';
import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { InvalidIdentityError, normalizeEmail, normalizePhone } from '../ingest/identity.js';
import type { IdentityRef, InboundMessage } from '../schemas/index.js';

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
 * A web-form submission. Strict: unknown keys are refused. `website` is a honeypot: hidden from
 * people by the form, filled in by bots.
 */
export function webFormSubmissionSchema(defaultCountry?: CountryCode) {
  return z
    .strictObject({
      email: z.optional(
        z.pipe(z.string().check(z.maxLength(254)), z.transform(identityField(normalizeEmail))),
      ),
      phone: z.optional(
        z.pipe(
          z.string().check(z.maxLength(32)),
          z.transform(identityField((raw) => normalizePhone(raw, defaultCountry))),
        ),
      ),
      name: z.optional(z.string().check(z.trim(), z.maxLength(200))),
      subject: z.optional(z.string().check(z.trim(), z.maxLength(200))),
      message: z.string().check(
        z.trim(),
        z.minLength(1, 'must not be empty'),
        z.refine((text) => Buffer.byteLength(text, 'utf8') <= WEBFORM_MESSAGE_MAX_BYTES, {
          message: `must be at most ${WEBFORM_MESSAGE_MAX_BYTES} bytes`,
        }),
      ),
      submissionId: z.optional(
        z.string().check(z.regex(/^[A-Za-z0-9._:-]{8,128}$/, 'must be 8-128 letters, digits or . _ : -')),
      ),
      formId: z.optional(
        z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits or . _ -')),
      ),
      website: z.optional(z.string().check(z.maxLength(500))),
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

/**
 * Maps a submission to the canonical message. With a submissionId the form's retries are idempotent;
 * without one every submission is a new message.
 */
export function webFormToInbound(
  submission: WebFormSubmission,
  receivedAt: string,
  clock: Clock,
): InboundMessage {
  const identities: IdentityRef[] = [];
  if (submission.email) identities.push({ kind: 'email', value: submission.email });
  if (submission.phone) identities.push({ kind: 'phone', value: submission.phone });
  const formId = submission.formId ?? 'default';
  return {
    channel: 'webform',
    providerMessageId: `${formId}:${submission.submissionId ?? clock.newId()}`,
    receivedAt,
    identities,
    ...(submission.name ? { name: submission.name } : {}),
    ...(submission.subject ? { subject: submission.subject } : {}),
    body: submission.message,
    attachments: [],
    providerRefs: { formId },
  };
}
