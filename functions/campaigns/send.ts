import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { StoredCampaign } from '../../shared/campaigns/definition.js';
import { addCounts, type CounterDelta } from '../../shared/campaigns/store.js';
import { issueSurveyToken, surveyLinks } from '../../shared/campaigns/survey-link.js';
import { issueUnsubscribeToken, unsubscribeUrl } from '../../shared/campaigns/unsubscribe-link.js';
import { type CampaignWorkDeps, RecipientJobSchema, workRecipient } from '../../shared/campaigns/work.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { sendToTier } from '../../shared/routing/tier-queues.js';
import { createDb } from '../../shared/store/db.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import { countCampaignOutcomes } from '../lib/metrics.js';
import { sendersFromEnv } from '../lib/senders.js';

const db = createDb(requireEnv('TABLE_NAME'));
const sqs = new SQSClient({});
const tierQueues = { '1': requireEnv('TIER_1_QUEUE_URL') };
const unsubscribeRoute = requireEnv('UNSUBSCRIBE_URL');
const surveyRoute = requireEnv('SURVEY_URL');
const identitySecret = lazily(loadIdentitySecret);
const processor = new BatchProcessor(EventType.SQS);
const deps: CampaignWorkDeps = {
  db,
  senders: sendersFromEnv(db),
  clock: systemClock,
  unsubscribeUrl: async (claim) =>
    unsubscribeUrl(unsubscribeRoute, await issueUnsubscribeToken(await identitySecret(), claim, systemClock)),
  surveyLinks: async (conversationId) =>
    surveyLinks(surveyRoute, await issueSurveyToken(await identitySecret(), conversationId, systemClock)),
  handOff: (request) => sendToTier(sqs, tierQueues, request),
};

/**
 * Consumer of the campaign send queue: each record is a recipient whose step is due; the batch's counts
 * are added to the campaign's counters in one write per campaign. A failed record is retried, and its
 * step is never applied twice (shared/campaigns/work.ts).
 */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger))
  .handler(async (event, context) => {
    const counts = new Map<string, CounterDelta>();
    const campaigns = new Map<string, StoredCampaign>();
    const work = async (record: SQSRecord) => {
      await workRecipient(deps, RecipientJobSchema.parse(JSON.parse(record.body)), counts, campaigns);
    };
    try {
      return await processPartialResponse(event, work, processor, { context });
    } finally {
      for (const [campaignId, delta] of counts) await addCounts(db, campaignId, delta);
      countCampaignOutcomes(counts.values());
    }
  });
