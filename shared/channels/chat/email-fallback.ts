import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { Clock } from '../../clock.js';
import { DeliveryError, NotDeliverableError } from '../../errors.js';
import { assertDeliverable } from '../../outbound/choose-recipient.js';
import { outboundInteraction } from '../../outbound/outbound-interaction.js';
import type { ChannelSender } from '../../outbound/sender.js';
import { type IdentityRef, IdSchema, type Interaction, MAX_BODY_CHARS } from '../../schemas/index.js';
import { getCustomer } from '../../store/customers.js';
import type { Db } from '../../store/db.js';
import { getIdentities } from '../../store/identities.js';
import {
  claimQueuedInteraction,
  claimSend,
  getOutboundInteraction,
  putOutboundInteraction,
  recordDelivery,
  recordSendFailure,
} from '../../store/interactions.js';
import { conditionFailedItem } from '../../store/write-errors.js';

/** The message on the chat-fallback queue: an agent reply an offline visitor may have to get by email. */
export const ChatEmailFallbackSchema = z.strictObject({
  kind: z.literal('chat-email-fallback'),
  /** The outbound chat interaction. */
  interactionId: IdSchema,
  /** The email the visitor gave with their chat session, canonical. */
  email: z.email().check(z.maxLength(254)),
});
export type ChatEmailFallback = z.infer<typeof ChatEmailFallbackSchema>;

/** Puts a fallback on the chat-fallback queue, to be looked at after the configured delay. */
export type FallbackScheduler = (request: ChatEmailFallback) => Promise<void>;

/** providerRefs of the chat interaction: when the email fallback is due (set when it is scheduled). */
export const FALLBACK_DUE_REF = 'emailFallbackDueAt';
/**
 * providerRefs of the chat interaction: the id of the email interaction that carries it, or
 * `skipped:<reason>` when the email could not be sent (opted out, undeliverable). Set once, by the claim.
 */
export const FALLBACK_INTERACTION_REF = 'emailFallbackInteractionId';
/** providerRefs of the email interaction: the chat interaction it stands in for. */
export const FALLBACK_FOR_REF = 'fallbackFor';

const DEFAULT_SUBJECT = 'Our reply to your chat';
const FOOTER = '\n\n--\nYou had left the chat when we replied, so we are sending our answer by email.';

/**
 * Fallback through SQS: the message becomes visible after `delaySeconds` (0-900, the SQS limit; see
 * shared/channels/chat/config.ts).
 */
export function queueFallbackScheduler(
  sqs: SQSClient,
  queueUrl: string,
  delaySeconds: number,
): FallbackScheduler {
  return async (request) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(request),
        DelaySeconds: delaySeconds,
      }),
    );
  };
}

/**
 * What the fallback did: `already-delivered` when the visitor got the reply on chat in the meantime;
 * `in-progress` when another delivery of the same queue message holds the send (it is sending, or its
 * invocation died before recording the outcome: the email is then not sent again, at most once).
 */
export interface FallbackResult {
  readonly outcome: 'sent' | 'already-delivered' | 'skipped' | 'missing' | 'in-progress';
  readonly emailInteractionId?: string;
}

/**
 * Sends an agent's chat reply by email if the visitor still has not received it: the chat interaction is
 * still `queued` (no push reached a connection, and the visitor has not fetched it since).
 *
 * The email is a second outbound interaction (channel `email`, `providerRefs.fallbackFor` = the chat
 * interaction), so the timeline shows both; the chat interaction records its id under
 * `providerRefs.emailFallbackInteractionId`. That ref is set with a condition (still queued, not set yet),
 * so a redelivered queue message resumes the same email instead of sending a second one, and a visitor
 * who fetched the reply first wins. The provider call itself is claimed on the email interaction
 * (claimSend), so two deliveries running at once, or a redelivery after a crash mid-send, never send a
 * second email; a provider failure lets the claim go, so the queue's retry sends it. Opted-out or undeliverable addresses are skipped and recorded.
 * Throws DeliveryError when the email provider fails, so the queue retries and finally dead-letters.
 */
export async function deliverEmailFallback(
  db: Db,
  emailSender: ChannelSender,
  request: ChatEmailFallback,
  clock: Clock,
): Promise<FallbackResult> {
  const chat = await getOutboundInteraction(db, request.interactionId, true);
  if (chat?.channel !== 'chat') return { outcome: 'missing' };
  const to: IdentityRef = { kind: 'email', value: request.email };

  let emailInteractionId = chat.providerRefs[FALLBACK_INTERACTION_REF];
  if (emailInteractionId === undefined) {
    if (chat.deliveryStatus !== 'queued') return { outcome: 'already-delivered' };
    const refusal = await refusalReason(db, chat, to);
    const claim = refusal ? `skipped:${refusal}` : clock.newId();
    if (!(await claimQueuedInteraction(db, chat.interactionId, FALLBACK_INTERACTION_REF, claim))) {
      // Lost to the visitor's fetch or to another delivery of this message: decide on what is stored now.
      const current = await getOutboundInteraction(db, chat.interactionId, true);
      emailInteractionId = current?.providerRefs[FALLBACK_INTERACTION_REF];
      if (emailInteractionId === undefined) return { outcome: 'already-delivered' };
    } else {
      emailInteractionId = claim;
    }
  }
  if (emailInteractionId.startsWith('skipped:')) return { outcome: 'skipped' };

  const email = await getOutboundInteraction(db, emailInteractionId, true);
  if (email?.deliveryStatus === 'sent' || email?.deliveryStatus === 'delivered') {
    return { outcome: 'sent', emailInteractionId };
  }
  const interaction =
    email ?? (await recordEmailInteraction(db, emailSender, chat, emailInteractionId, to, clock));
  const sendToken = clock.newId();
  if (!(await claimSend(db, interaction.interactionId, sendToken))) {
    // Another delivery of this message is sending it, sent it, or died in between: never a second email.
    const current = await getOutboundInteraction(db, interaction.interactionId, true);
    const done = current?.deliveryStatus === 'sent' || current?.deliveryStatus === 'delivered';
    return { outcome: done ? 'sent' : 'in-progress', emailInteractionId };
  }
  let receipt: Awaited<ReturnType<ChannelSender['send']>>;
  try {
    receipt = await emailSender.send({
      interactionId: interaction.interactionId,
      conversationId: interaction.conversationId,
      customerId: interaction.customerId,
      channel: 'email',
      to,
      ...(interaction.subject ? { subject: interaction.subject } : {}),
      body: interaction.body,
    });
  } catch (error) {
    await recordSendFailure(db, interaction.interactionId, sendToken);
    throw error instanceof DeliveryError
      ? error
      : new DeliveryError('the email provider failed', { cause: error });
  }
  await recordDelivery(db, interaction.interactionId, receipt.status, {
    providerId: receipt.providerMessageId,
    ...receipt.providerRefs,
  });
  return { outcome: 'sent', emailInteractionId };
}

/** Why the customer may not get this email, or undefined when they may. */
async function refusalReason(db: Db, chat: Interaction, to: IdentityRef): Promise<string | undefined> {
  const customer = await getCustomer(db, chat.customerId);
  const [stored] = await getIdentities(db, [to], true);
  try {
    assertDeliverable(customer, 'email', stored);
    return undefined;
  } catch (error) {
    if (error instanceof NotDeliverableError) return error.reason;
    throw error;
  }
}

/** Stores the email interaction (`queued`) before sending; a concurrent first write is read back. */
async function recordEmailInteraction(
  db: Db,
  emailSender: ChannelSender,
  chat: Interaction,
  interactionId: string,
  to: IdentityRef,
  clock: Clock,
): Promise<Interaction> {
  const now = clock.now();
  // The visitor gave this address with their session; it is verified only if the customer proved it.
  const customer = await getCustomer(db, chat.customerId);
  const proven = customer.identities.some(
    (identity) => identity.kind === 'email' && identity.value === to.value && identity.trust === 'verified',
  );
  const body = chat.body.length + FOOTER.length <= MAX_BODY_CHARS ? `${chat.body}${FOOTER}` : chat.body;
  const subject = chat.subject ?? DEFAULT_SUBJECT;
  const sent = emailSender.subjectOf?.({
    interactionId,
    conversationId: chat.conversationId,
    customerId: chat.customerId,
    channel: 'email',
    to,
    subject,
    body,
  });
  const interaction = outboundInteraction(
    {
      interactionId,
      customerId: chat.customerId,
      conversationId: chat.conversationId,
      channel: 'email',
      to: { ...to, trust: proven ? 'verified' : 'claimed' },
      // The subject recorded is the one the customer will see.
      subject: sent ?? subject,
      body,
      authorId: chat.authorId,
      providerRefs: { [FALLBACK_FOR_REF]: chat.interactionId },
    },
    now,
  );
  try {
    await putOutboundInteraction(db, interaction);
    return interaction;
  } catch (error) {
    if (conditionFailedItem(error) === null) throw error;
    const stored = await getOutboundInteraction(db, interactionId, true);
    if (!stored) throw error;
    return stored;
  }
}
