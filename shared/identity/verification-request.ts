import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { IngestResult } from '../ingest/ingest.js';
import { IdSchema, type InboundMessage } from '../schemas/index.js';

/**
 * A request to mail a one-time verification link to an email address a customer only claimed (typed
 * into a web form or a chat session). Clicking the link proves the address for that customer, from
 * then on (see shared/identity/prove-identity.ts).
 */
export const EmailVerificationRequestSchema = z.strictObject({
  kind: z.literal('email-verification'),
  customerId: IdSchema,
  email: z.email().check(z.maxLength(254)),
});
export type EmailVerificationRequest = z.infer<typeof EmailVerificationRequestSchema>;

/** Hands a verification request to the mailer. */
export type VerificationRequester = (request: EmailVerificationRequest) => Promise<void>;

/** Verification requests through the identity-verification queue (SQS). */
export function queueVerificationRequester(sqs: SQSClient, queueUrl: string): VerificationRequester {
  return async (request) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(request) }));
  };
}

/**
 * The verification a recorded message calls for: when it created its customer and carried an email it
 * only claimed, a link to that address. Later messages of the same customer ask for nothing (the mailer
 * also sends at most one link per address per hour).
 */
export function verificationFor(
  message: InboundMessage,
  result: IngestResult,
): EmailVerificationRequest | undefined {
  if (!result.customerCreated) return undefined;
  const claimed = message.identities.find(
    (identity) => identity.kind === 'email' && identity.trust === 'claimed',
  );
  return claimed
    ? { kind: 'email-verification', customerId: result.customerId, email: claimed.value }
    : undefined;
}
