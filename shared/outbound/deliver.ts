import { DeliveryError } from '../errors.js';
import type { Interaction } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { putOutboundInteraction, recordDelivery } from '../store/interactions.js';
import type { ChannelSender, OutboundEnvelope } from './sender.js';

/**
 * Sends an outbound message with its interaction on record: stored `queued` before the provider is
 * called, then updated with the provider's answer (`sent`, `queued`) or `failed`, so every attempt is on
 * the timeline. A provider failure is a DeliveryError. Returns the interaction as it now stands.
 */
export async function deliverRecorded(
  db: Db,
  sender: ChannelSender,
  interaction: Interaction,
  envelope: OutboundEnvelope,
): Promise<Interaction> {
  await putOutboundInteraction(db, interaction);
  let receipt: Awaited<ReturnType<ChannelSender['send']>>;
  try {
    receipt = await sender.send(envelope);
  } catch (error) {
    await recordDelivery(db, interaction.interactionId, 'failed');
    throw error instanceof DeliveryError
      ? error
      : new DeliveryError(`the ${interaction.channel} provider failed`, { cause: error });
  }
  const providerRefs = { providerId: receipt.providerMessageId, ...receipt.providerRefs };
  await recordDelivery(db, interaction.interactionId, receipt.status, providerRefs);
  return { ...interaction, deliveryStatus: receipt.status, providerRefs };
}
