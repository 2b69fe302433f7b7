import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import type { IngestResult } from '../ingest/ingest.js';
import { ChannelSchema, IdSchema, IsoTimestampSchema } from '../schemas/index.js';
import { ROUTING_BODY_CHARS } from './content.js';

/** The message ingest hands to routing, one per inbound interaction (duplicates included). */
export const RoutingRequestSchema = z.object({
  kind: z.literal('inbound'),
  customerId: IdSchema,
  conversationId: IdSchema,
  interactionId: IdSchema,
  channel: ChannelSchema,
  occurredAt: IsoTimestampSchema,
  conversationOpened: z.boolean(),
  /** What the route consumer classifies by; absent in requests queued before classification existed. */
  content: z.optional(
    z.object({
      subject: z.optional(z.string().check(z.maxLength(500))),
      body: z.string().check(z.maxLength(ROUTING_BODY_CHARS)),
      language: z.optional(z.string().check(z.maxLength(35))),
    }),
  ),
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
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(routingRequest(result)) }),
    );
  };
}

/** The routing request for what ingest recorded: ids, channel, time, and what routing classifies by. */
export function routingRequest(result: IngestResult): RoutingRequest {
  return {
    kind: 'inbound',
    customerId: result.customerId,
    conversationId: result.conversationId,
    interactionId: result.interactionId,
    channel: result.channel,
    occurredAt: result.occurredAt,
    conversationOpened: result.conversationOpened,
    content: result.content,
  };
}
