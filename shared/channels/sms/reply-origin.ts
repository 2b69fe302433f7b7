import type { OutboundEnvelope } from '../../outbound/sender.js';

/**
 * Our number the answered message was sent to, when it came through `provider`: replying from it keeps
 * the customer's thread on their phone in one place. Undefined for other channels or providers.
 */
export function replyOrigin(envelope: OutboundEnvelope, provider: 'twilio' | 'eum'): string | undefined {
  const answering = envelope.inResponseTo;
  if (answering?.channel !== 'sms' || answering.providerRefs.provider !== provider) return undefined;
  return answering.providerRefs.to;
}
