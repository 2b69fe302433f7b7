import {
  SurveyLinkError,
  SurveyLinkFieldsSchema,
  verifySurveyToken,
} from '../../shared/campaigns/survey-link.js';
import { systemClock } from '../../shared/clock.js';
import { lazily } from '../../shared/config/secret.js';
import { loadIdentitySecret } from '../../shared/identity/site-signature.js';
import { httpHandler, parseInput } from '../lib/http.js';
import { brokenSurveyLinkPage, confirmScorePage } from './survey-pages.js';

const identitySecret = lazily(loadIdentitySecret);

/**
 * GET /v1/surveys/answer?token=…&score=n: the page a survey email's score link opens. It changes nothing
 * (mail scanners follow links): it shows the score with a Send button that posts back, or says the link
 * no longer works (400 not ours, 410 expired).
 */
export const handler = httpHandler(async (event) => {
  const { token, score } = parseInput(SurveyLinkFieldsSchema, event.queryStringParameters ?? {});
  try {
    await verifySurveyToken(await identitySecret(), token, systemClock);
    return confirmScorePage(score);
  } catch (error) {
    if (error instanceof SurveyLinkError) return brokenSurveyLinkPage(error);
    throw error;
  }
});
