import { type SESv2Client, SESv2ServiceException, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Clock } from '../../clock.js';
import { DeliveryError } from '../../errors.js';
import type { ChannelSender, DeliveryReceipt, OutboundEnvelope } from '../../outbound/sender.js';
import type { Db } from '../../store/db.js';
import { putEmailThreadRefs } from '../../store/email-threads.js';
import { clip, singleLine } from '../../text/sanitize.js';
import { EmailProviderError } from './errors.js';
import { parseMessageIds, sesThreadKey, threadKeyOf } from './message-ids.js';
import { buildTextEmail } from './mime-builder.js';

/** How the deployment sends email. */
export interface SesEmailSenderConfig {
  readonly ses: SESv2Client;
  readonly db: Db;
  readonly clock: Clock;
  /** The support address replies come from (and go back to); its domain names our Message-IDs. */
  readonly from: { readonly address: string; readonly name?: string | undefined };
  /** SES configuration set, e.g. the one publishing bounces and complaints. */
  readonly configurationSet?: string | undefined;
  /**
   * Told when SES's form of the Message-ID could not be recorded after the email went out. The email
   * stays sent; a reply to it then threads by the customer's open conversation, as any email does.
   */
  readonly onThreadingError?: ((error: unknown) => void) | undefined;
}

/** References keeps the thread root and this many of the newest ids. */
const MAX_REFERENCES = 20;

/**
 * The email ChannelSender: SES v2 SendEmail with raw content, so the threading headers are ours.
 *
 * - From and Reply-To: the support address. Message-ID `<interactionId@support-domain>`.
 * - Answering an email: In-Reply-To its Message-ID, References its References plus its Message-ID,
 *   Subject "Re: <its subject>" (never "Re: Re:"); see `emailSubject`, which `subjectOf` exposes so
 *   the outbound interaction records the subject as sent.
 * - Threading: our Message-ID is recorded before the send; SES replaces it with
 *   `<SES MessageId@<region>.amazonses.com>`, so that form is recorded after the send too. A reply
 *   quoting either continues the conversation (shared/channels/email/receive-email.ts).
 */
export function sesEmailSender(config: SesEmailSenderConfig): ChannelSender {
  const domain = config.from.address.split('@')[1];
  if (!domain) throw new Error('the support email address has no domain');
  return {
    channel: 'email',
    subjectOf: emailSubject,
    async send(envelope: OutboundEnvelope): Promise<DeliveryReceipt> {
      if (envelope.to.kind !== 'email')
        throw new DeliveryError('the email sender only writes to email addresses');
      const messageId = `<${envelope.interactionId}@${domain}>`;
      const answering = envelope.inResponseTo?.channel === 'email' ? envelope.inResponseTo : undefined;
      const [answeredId] = parseMessageIds(answering?.providerRefs.messageId);
      const references = threadReferences(parseMessageIds(answering?.providerRefs.references), answeredId);
      const ref = (threadKey: string) => ({
        messageId: threadKey,
        conversationId: envelope.conversationId,
        customerId: envelope.customerId,
        interactionId: envelope.interactionId,
        createdAt: config.clock.now(),
      });
      // A marketing message belongs to no conversation: a reply to it opens one, so no thread is recorded.
      const threaded = envelope.marketing === undefined;
      const ownKey = threadKeyOf(messageId);
      if (ownKey && threaded) await putEmailThreadRefs(config.db, [ref(ownKey)]);

      const subject = emailSubject(envelope);
      const raw = buildTextEmail({
        from: config.from,
        to: envelope.to.value,
        replyTo: config.from.address,
        subject,
        messageId,
        inReplyTo: answeredId ? `<${answeredId}>` : undefined,
        references: references.map((id) => `<${id}>`),
        date: new Date(config.clock.now()),
        text: envelope.body,
        listUnsubscribe: envelope.marketing?.unsubscribeUrl
          ? { url: envelope.marketing.unsubscribeUrl }
          : undefined,
      });
      let sesMessageId: string | undefined;
      try {
        const output = await config.ses.send(
          new SendEmailCommand({
            FromEmailAddress: config.from.address,
            Destination: { ToAddresses: [envelope.to.value] },
            Content: { Raw: { Data: raw } },
            ...(config.configurationSet ? { ConfigurationSetName: config.configurationSet } : {}),
          }),
        );
        sesMessageId = output.MessageId;
      } catch (error) {
        const code = error instanceof SESv2ServiceException ? error.name : undefined;
        throw new EmailProviderError(code, `SES did not take the email${code ? ` (${code})` : ''}`, {
          cause: error,
        });
      }
      if (!sesMessageId) throw new EmailProviderError(undefined, 'SES returned no message id');

      if (threaded) {
        try {
          await putEmailThreadRefs(config.db, [ref(sesThreadKey(sesMessageId))]);
        } catch (error) {
          config.onThreadingError?.(error);
        }
      }
      return { providerMessageId: sesMessageId, status: 'sent', providerRefs: { messageId } };
    },
  };
}

/** Longest subject sent: what an interaction records (InteractionSchema). */
export const MAX_SENT_SUBJECT_CHARS = 500;

/**
 * The subject the email sender writes for an envelope, exactly as the recipient reads it: the answered
 * email's subject as a reply, else the envelope's. Pure, so a caller can record it before sending.
 */
export function emailSubject(envelope: OutboundEnvelope): string {
  const answering = envelope.inResponseTo?.channel === 'email' ? envelope.inResponseTo : undefined;
  return replySubject(answering?.subject ?? envelope.subject, answering !== undefined);
}

/**
 * The subject of a reply: one line (controls, line breaks and bidirectional controls removed, so no
 * header can be injected), "Re: " once before the answered subject, at most MAX_SENT_SUBJECT_CHARS.
 * With nothing answered and no subject, a neutral one rather than a "Re:" of nothing.
 */
export function replySubject(subject: string | undefined, answering: boolean): string {
  const base = subject === undefined ? '' : singleLine(subject);
  if (!base) return answering ? 'Re: your message' : 'Our reply to your message';
  const reply = /^(re|aw|sv|antw)\s*:/i.test(base) ? base : `Re: ${base}`;
  return clip(reply, MAX_SENT_SUBJECT_CHARS).trimEnd();
}

/** The answered message's References plus its Message-ID: the thread root and the newest ids. */
function threadReferences(references: readonly string[], answeredId: string | undefined): string[] {
  const all = [...new Set([...references, ...(answeredId ? [answeredId] : [])])];
  if (all.length <= MAX_REFERENCES) return all;
  return [all[0] ?? '', ...all.slice(-(MAX_REFERENCES - 1))];
}
