import type { Clock } from '../../clock.js';
import { DeliveryError } from '../../errors.js';
import { type IngestResult, ingestInbound } from '../../ingest/ingest.js';
import { outboundInteraction } from '../../outbound/outbound-interaction.js';
import type { ChannelSender } from '../../outbound/sender.js';
import type { InboundMessage, Interaction } from '../../schemas/index.js';
import { setConsent } from '../../store/consent.js';
import type { Db } from '../../store/db.js';
import { putOutboundInteraction, recordDelivery } from '../../store/interactions.js';
import { SmsProviderError } from './errors.js';
import { type SmsKeyword, type SmsKeywordKind, smsKeywordOf } from './keywords.js';

/** Confirmation of an opt-out: the one message a number gets after STOP. */
export const OPT_OUT_CONFIRMATION =
  'You are unsubscribed and will receive no more messages from us. Reply START to subscribe again.';
/** Confirmation of an opt-in. */
export const OPT_IN_CONFIRMATION = 'You are subscribed again. Reply STOP to unsubscribe, HELP for help.';

/** Who writes keyword answers, as recorded on the outbound interaction. */
export const KEYWORD_REPLY_AUTHOR = 'automation:sms-keyword';

/** Sends carebridge's answers to keywords; absent when the provider answers them (SMS_KEYWORD_REPLIES=off). */
export interface KeywordReplies {
  readonly sender: ChannelSender;
  readonly helpText: string;
}

export interface ReceiveSmsContext {
  readonly db: Db;
  readonly clock: Clock;
  readonly keywordReplies?: KeywordReplies | undefined;
}

/** What receiving one SMS did. */
export interface SmsReceipt {
  readonly ingest: IngestResult;
  /** The keyword the message was; keyword messages are recorded on the timeline but not routed. */
  readonly keyword?: SmsKeywordKind | undefined;
  /** True for a message for agents: the caller hands it to routing. */
  readonly route: boolean;
  /** An opt-out or opt-in flipped the customer's SMS consent. */
  readonly consentChanged: boolean;
  /** The automatic answer, when one was due: `sent`, or `failed` with the provider's error code. */
  readonly reply?:
    | { readonly status: 'sent' | 'failed'; readonly errorCode?: string | undefined }
    | undefined;
}

/**
 * Receives one inbound SMS of any provider:
 * - records it on the customer's timeline (idempotent on the provider's message id), keywords included,
 *   these as `record-only` (they open no conversation in a work queue);
 * - STOP and the other opt-out keywords set the customer's SMS consent to `opted_out`, START / UNSTOP
 *   to `opted_in`, timed by the message so a late older keyword changes nothing; the confirmation is
 *   sent only when the consent actually changed, so a retried webhook never sends a second one
 *   (at most once: a crash between the consent write and the send loses the confirmation rather than
 *   risk a double);
 * - HELP is answered on its first delivery only;
 * - keywords the provider already answered (Twilio Advanced Opt-Out) get no second answer.
 *
 * The hand-off to routing is the caller's: it hands off when `route` is true.
 */
export async function receiveSms(context: ReceiveSmsContext, message: InboundMessage): Promise<SmsReceipt> {
  const { db, clock } = context;
  const keyword = smsKeywordOf(message);
  // A keyword is for us, not for an agent: recorded, but it never opens a conversation in a work queue.
  const ingest = await ingestInbound(db, keyword ? { ...message, routing: 'record-only' } : message, clock);
  if (keyword === undefined) return { ingest, route: true, consentChanged: false };

  if (keyword.kind === 'help') {
    const due = ingest.outcome === 'recorded';
    const reply = due
      ? await answerKeyword(context, keyword, message, ingest, context.keywordReplies?.helpText)
      : undefined;
    return { ingest, keyword: keyword.kind, route: false, consentChanged: false, reply };
  }

  const optOut = keyword.kind === 'opt-out';
  const change = await setConsent(
    db,
    ingest.customerId,
    'sms',
    {
      status: optOut ? 'opted_out' : 'opted_in',
      at: ingest.occurredAt,
      source: `sms-keyword:${keyword.keyword}`,
    },
    clock,
  );
  const confirmation = optOut ? OPT_OUT_CONFIRMATION : OPT_IN_CONFIRMATION;
  const reply = change.changed
    ? await answerKeyword(context, keyword, message, ingest, confirmation)
    : undefined;
  return { ingest, keyword: keyword.kind, route: false, consentChanged: change.changed, reply };
}

/**
 * Sends and records one automatic answer (outbound interaction stored `queued` first, then `sent` or
 * `failed`). A provider refusal is recorded and reported, not thrown: the inbound message is handled,
 * and a retry of it would not send the answer again anyway.
 */
async function answerKeyword(
  context: ReceiveSmsContext,
  keyword: SmsKeyword,
  message: InboundMessage,
  ingest: IngestResult,
  text: string | undefined,
): Promise<SmsReceipt['reply']> {
  const replies = context.keywordReplies;
  if (replies === undefined || text === undefined || keyword.answeredByProvider) return undefined;
  const { db, clock } = context;
  const [to] = message.identities;
  if (to === undefined) return undefined;

  const now = clock.now();
  const interactionId = clock.newId();
  const answer = outboundInteraction(
    {
      interactionId,
      customerId: ingest.customerId,
      conversationId: ingest.conversationId,
      channel: 'sms',
      to,
      body: text,
      authorId: KEYWORD_REPLY_AUTHOR,
    },
    now,
  );
  await putOutboundInteraction(db, answer);
  try {
    const receipt = await replies.sender.send({
      interactionId,
      conversationId: ingest.conversationId,
      customerId: ingest.customerId,
      channel: 'sms',
      to,
      body: text,
      inResponseTo: answeredMessage(message, ingest),
    });
    await recordDelivery(db, interactionId, receipt.status, {
      providerId: receipt.providerMessageId,
      ...receipt.providerRefs,
    });
    return { status: 'sent' };
  } catch (error) {
    await recordDelivery(db, interactionId, 'failed');
    if (!(error instanceof DeliveryError)) throw error;
    return { status: 'failed', errorCode: error instanceof SmsProviderError ? error.code : undefined };
  }
}

/** The keyword message as recorded, for the sender to answer from the number it was sent to. */
function answeredMessage(message: InboundMessage, ingest: IngestResult): Interaction {
  return {
    interactionId: ingest.interactionId,
    customerId: ingest.customerId,
    conversationId: ingest.conversationId,
    direction: 'inbound',
    channel: message.channel,
    identities: message.identities,
    body: message.body,
    attachments: message.attachments,
    providerMessageId: message.providerMessageId,
    providerRefs: message.providerRefs,
    occurredAt: ingest.occurredAt,
    recordedAt: ingest.occurredAt,
  };
}
