import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '../../shared/config/env.js';
import { conversationEvents } from '../../shared/events/conversation-events.js';
import { eventBridgePublisher } from '../../shared/events/publish.js';
import type { Conversation } from '../../shared/schemas/index.js';
import { conversationFromItem } from '../../shared/store/items.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const publish = eventBridgePublisher(new EventBridgeClient({}), requireEnv('EVENT_BUS_NAME'));
const processor = new BatchProcessor(EventType.DynamoDBStreams);

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

/** A conversation image of the stream, or undefined when absent or not a conversation this code reads. */
function conversationOf(image: Image): Conversation | undefined {
  if (image === undefined) return undefined;
  try {
    return conversationFromItem(unmarshall(image as Record<string, AttributeValue>));
  } catch {
    // Written by another version of the code: its change yields no events rather than blocking the stream.
    logger.warn('a conversation image did not parse; its events are skipped');
    return undefined;
  }
}

async function publishRecord(record: DynamoDBRecord): Promise<void> {
  const events = conversationEvents(
    conversationOf(record.dynamodb?.OldImage),
    conversationOf(record.dynamodb?.NewImage),
  );
  if (events.length > 0) await publish(events);
}

/**
 * Consumer of the table's change stream (conversation items only, by the event source's filter): turns
 * each change into domain events on the EventBridge bus. A failed record is retried from its sequence
 * number (partial batch response), so a conversation's events keep their order.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) => processPartialResponse(event, publishRecord, processor, { context }));
