import type { SmsProviderError } from '../../shared/channels/sms/errors.js';
import type { ChannelSender, OutboundEnvelope, ReplyChannel } from '../../shared/outbound/sender.js';

/** A sender that keeps what it was given; `failWith` makes it refuse like a provider would. */
export interface RecordingSender extends ChannelSender {
  readonly sent: OutboundEnvelope[];
  failWith: SmsProviderError | undefined;
}

/** A ChannelSender for tests: records every envelope and answers with a provider id. */
export function recordingSender(channel: ReplyChannel = 'sms'): RecordingSender {
  const sent: OutboundEnvelope[] = [];
  const sender: RecordingSender = {
    channel,
    sent,
    failWith: undefined,
    async send(envelope) {
      if (sender.failWith) throw sender.failWith;
      sent.push(envelope);
      return { providerMessageId: `provider-${sent.length}`, status: 'sent' };
    },
  };
  return sender;
}
