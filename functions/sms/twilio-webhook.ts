import { SQSClient } from '@aws-sdk/client-sqs';
import { type KeywordReplies, receiveSms } from '../../shared/channels/sms/receive-sms.js';
import { twilioSenderFromEnv } from '../../shared/channels/sms/sms-sender-from-env.js';
import { readSmsKeywordSettings } from '../../shared/channels/sms/sms-settings.js';
import { readTwilioWebhookUrl, twilioAuthTokenReader } from '../../shared/channels/sms/twilio-config.js';
import { twilioToInbound, twilioWebhookParamsSchema } from '../../shared/channels/sms/twilio-webhook.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { readPhoneRegion } from '../../shared/config/phone-region.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, parseInput } from '../lib/http.js';
import { logger } from '../lib/logger.js';
import { emptyTwiml, readSignedTwilioForm } from './twilio-request.js';

const db = createDb(requireEnv('TABLE_NAME'));
const handoff = queueHandoff(new SQSClient({}), requireEnv('ROUTING_QUEUE_URL'));
const authToken = twilioAuthTokenReader();
const webhookUrl = readTwilioWebhookUrl();
const paramsSchema = twilioWebhookParamsSchema(readPhoneRegion());
const keywordSettings = readSmsKeywordSettings();
// Keywords are answered through Twilio, from the number they were sent to.
const keywordReplies: KeywordReplies | undefined = keywordSettings.replies
  ? { sender: twilioSenderFromEnv(authToken), helpText: keywordSettings.helpText }
  : undefined;

/**
 * POST /v1/channels/sms/twilio: Twilio's incoming-message webhook. Public route, authenticated by
 * Twilio's request signature. Answers empty TwiML, for a retried MessageSid too.
 */
export const handler = httpHandler(async (event) => {
  const trust = { authToken: await authToken(), webhookUrl };
  const params = parseInput(paramsSchema, readSignedTwilioForm(event, trust));
  const receivedAt = new Date(event.requestContext.timeEpoch).toISOString();
  const receipt = await receiveSms(
    { db, clock: systemClock, keywordReplies },
    twilioToInbound(params, receivedAt),
  );
  // Keyword messages are record-only: not handed to routing, so no agent gets a STOP.
  if (receipt.route) await handoff(receipt.ingest);
  logger.setCorrelationId(receipt.ingest.conversationId);
  logger.info('sms recorded', {
    provider: 'twilio',
    outcome: receipt.ingest.outcome,
    keyword: receipt.keyword,
    consentChanged: receipt.consentChanged,
    reply: receipt.reply?.status,
    replyErrorCode: receipt.reply?.errorCode,
    media: params.media.length,
  });
  return emptyTwiml();
});
