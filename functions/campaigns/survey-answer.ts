import {
  answerSurveyByLink,
  SurveyConfirmBodySchema,
  SurveyLinkError,
  SurveyLinkFieldsSchema,
  verifySurveyToken,
} from '../../shared/campaigns/survey-link.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { createDb } from '../../shared/store/db.js';
import { httpHandler, parseInput, readFormBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';
import { brokenSurveyLinkPage, thanksPage } from './survey-pages.js';

const db = createDb(requireEnv('TABLE_NAME'));
const identitySecret = lazily(loadIdentitySecret);

/**
 * POST /v1/surveys/answer?token=…&score=n (form `confirm=yes`, from the confirmation page): records the
 * score on the surveyed conversation; the first answer counts, and a score at or below the survey's
 * threshold reopens the concern at tier 2. The page is the same whatever happened.
 */
export const handler = httpHandler(async (event) => {
  parseInput(SurveyConfirmBodySchema, readFormBody(event, 1024));
  const { token, score } = parseInput(SurveyLinkFieldsSchema, event.queryStringParameters ?? {});
  let conversationId: string;
  try {
    conversationId = await verifySurveyToken(await identitySecret(), token, systemClock);
  } catch (error) {
    if (error instanceof SurveyLinkError) return brokenSurveyLinkPage(error);
    throw error;
  }
  const recorded = await answerSurveyByLink(db, conversationId, score, systemClock);
  logger.info('survey answered by link', { recorded, score });
  return thanksPage();
});
