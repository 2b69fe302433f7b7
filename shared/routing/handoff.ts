import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { IngestResult } from '../ingest/ingest.js';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from '../schemas/index.js';

/** The message ingest hands to routing, one per inbound interaction (duplicates included). */
export const RoutingRequestSchema = z.object({
  kind: z.literal('inbound'),
  customerId: IdSchema,
  conversationId: IdSchema,
  interactionId: IdSchema,
  channel: ChannelSchema,
  occurredAt: IsoTimestampSchema,
  conversationOpened: z.boolean(),
});
export type RoutingRequest = z.infer<typeof RoutingRequestSchema>;

/** Hands a recorded message to routing. */
export type RoutingHandoff = (result: IngestResult) => Promise<void>;

/**
 * Hand-off through the routing queue (SQS). A duplicate delivery is handed off again: if the first
 * attempt stored the message but died before the hand-off, the retry must not lose it, and routing
 * applies each interaction once whatever the number of copies.
 */
export function queueHandoff(sqs: SQSClient, queueUrl: string): RoutingHandoff {
  return async (result) => {
    const request: RoutingRequest = {
      kind: 'inbound',
      customerId: result.customerId,
      conversationId: result.conversationId,
      interactionId: result.interactionId,
      channel: result.channel,
      occurredAt: result.occurredAt,
      conversationOpened: result.conversationOpened,
    };
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(request) }));
  };
}
