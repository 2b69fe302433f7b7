import {
  type PinpointSMSVoiceV2Client,
  PinpointSMSVoiceV2ServiceException,
  SendTextMessageCommand,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { DeliveryError } from '../../errors.js';
import type { ChannelSender, DeliveryReceipt, OutboundEnvelope } from '../../outbound/sender.js';
import { SmsProviderError } from './errors.js';
import { replyOrigin } from './reply-origin.js';

/** How to send through AWS End User Messaging SMS. */
export interface EumSenderConfig {
  /** Phone number, sender id, pool (id or ARN) to send from when the message answers none received on one. */
  readonly originationIdentity: string;
  /** Configuration set whose event destinations receive the delivery events. */
  readonly configurationSetName?: string | undefined;
}

/**
 * The SMS sender over AWS End User Messaging SMS (SendTextMessage, transactional). The client's
 * endpoint comes from the SDK's standard configuration. A refusal becomes SmsProviderError named by
 * the AWS exception; its message is not kept, as it can quote the number.
 */
export function eumSender(client: PinpointSMSVoiceV2Client, config: EumSenderConfig): ChannelSender {
  return {
    channel: 'sms',
    async send(envelope: OutboundEnvelope): Promise<DeliveryReceipt> {
      if (envelope.to.kind !== 'phone') throw new DeliveryError('an SMS goes to a phone number');
      let messageId: string | undefined;
      try {
        ({ MessageId: messageId } = await client.send(
          new SendTextMessageCommand({
            DestinationPhoneNumber: envelope.to.value,
            OriginationIdentity: replyOrigin(envelope, 'eum') ?? config.originationIdentity,
            MessageBody: envelope.body,
            MessageType: 'TRANSACTIONAL',
            ...(config.configurationSetName ? { ConfigurationSetName: config.configurationSetName } : {}),
            // Comes back on the delivery events, to match them to the interaction.
            Context: { interactionId: envelope.interactionId },
          }),
        ));
      } catch (error) {
        if (error instanceof PinpointSMSVoiceV2ServiceException) {
          throw new SmsProviderError(
            'eum',
            error.name,
            `End User Messaging refused the message (${error.name})`,
          );
        }
        throw new SmsProviderError('eum', undefined, 'End User Messaging could not be reached', {
          cause: error,
        });
      }
      if (!messageId)
        throw new SmsProviderError('eum', undefined, 'End User Messaging returned no message id');
      return { providerMessageId: messageId, status: 'sent', providerRefs: { provider: 'eum' } };
    },
  };
}
