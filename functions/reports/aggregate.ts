import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '../../shared/config/env.js';
import { addUp, applyAggregates } from '../../shared/reports/aggregates.js';
import { type Contribution, contributionsOf, UnreadableChangeError } from '../../shared/reports/derive.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));

type Image = NonNullable<DynamoDBRecord['dynamodb']>['NewImage'];

function itemOf(image: Image): Record<string, unknown> | undefined {
  return image === undefined ? undefined : unmarshall(image as Record<string, AttributeValue>);
}

function contributionsOfRecord(record: DynamoDBRecord): Contribution[] {
  try {
    return contributionsOf({
      before: itemOf(record.dynamodb?.OldImage),
      after: itemOf(record.dynamodb?.NewImage),
    });
  } catch (error) {
    if (!(error instanceof UnreadableChangeError)) throw error;
    // Written by another version of the code: it counts nothing rather than blocking the stream.
    logger.warn('a changed item did not parse; it is not counted', {
      sequenceNumber: record.dynamodb?.SequenceNumber,
    });
    return [];
  }
}

/**
 * Consumer of the table's change stream (conversations, interactions and campaign recipients, by the
 * event source's filter): adds what the batch's changes mean to the daily report aggregates, one
 * UpdateItem per day and dimension for the whole batch (docs/reporting.md). A failed write fails the
 * batch, which the stream delivers again: the aggregates are at least once (a retried batch may count
 * the updates that had succeeded twice), as docs/reporting.md explains.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const deltas = addUp(event.Records.flatMap(contributionsOfRecord));
    await applyAggregates(db, deltas);
    logger.info('aggregates updated', { records: event.Records.length, updates: deltas.length });
    return { batchItemFailures: [] };
  });
