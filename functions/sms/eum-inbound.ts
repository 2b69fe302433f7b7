import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SNSEvent } from 'aws-lambda';
import {
  eumInboundMessageSchema,
  eumToInbound,
  SnsEventSchema,
  type SnsRecord,
  snsMessageJson,
} from '../../shared/channels/sms/eum-inbound.js';
import { type KeywordReplies, receiveSms } from '../../shared/channels/sms/receive-sms.js';
import { eumSenderFromEnv } from '../../shared/channels/sms/sms-sender-from-env.js';
import { readSmsKeywordSettings } from '../../shared/channels/sms/sms-settings.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { droppedIfErased } from '../../shared/data-rights/tombstones.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { parseInput } from '../lib/http.js';
import { injectLambdaContext, logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const handoff = queueHandoff(new SQSClient({}), requireEnv('ROUTING_QUEUE_URL'));
const messageSchema = eumInboundMessageSchema(readPhoneRegion());
const keywordSettings = readSmsKeywordSettings();
// Keywords are answered through End User Messaging, from the number they were sent to.
const keywordReplies: KeywordReplies | undefined = keywordSettings.replies
  ? { sender: eumSenderFromEnv(), helpText: keywordSettings.helpText }
  : undefined;

/** One two-way message; throwing fails the invocation, which Lambda retries and then dead-letters. */
async function receiveRecord(record: SnsRecord): Promise<void> {
  const message = eumToInbound(parseInput(messageSchema, snsMessageJson(record)), record.Sns.Timestamp);
  const receipt = await receiveSms({ db, clock: systemClock, keywordReplies }, message).catch(
    droppedIfErased,
  );
  if (receipt === undefined) {
    logger.info('sms dropped: its sender was erased after it was received');
    return;
  }
  // Keyword messages are record-only: not handed to routing, so no agent gets a STOP.
  if (receipt.route) await handoff(receipt.ingest);
  logger.setCorrelationId(receipt.ingest.conversationId);
  logger.info('sms recorded', {
    provider: 'eum',
    outcome: receipt.ingest.outcome,
    keyword: receipt.keyword,
    consentChanged: receipt.consentChanged,
    reply: receipt.reply?.status,
    replyErrorCode: receipt.reply?.errorCode,
  });
}

/**
 * AWS End User Messaging SMS two-way messages, from the SNS topic the numbers publish to. SNS invokes
 * asynchronously with one record; a malformed message or a failure throws, so Lambda's async retries
 * and the function's dead-letter destination take it instead of losing it.
 */
export const handler = middy<SNSEvent, void>()
  .use(injectLambdaContext(logger))
  .handler(async (event) => {
    const { Records } = parseInput(SnsEventSchema, event);
    for (const record of Records) await receiveRecord(record);
  });
