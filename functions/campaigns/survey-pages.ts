import type { SurveyLinkError } from '../../shared/campaigns/survey-link.js';
import { htmlPage } from '../lib/html-page.js';
import type { HttpResult } from '../lib/http.js';

/** The pages of a survey email's score links; they name no customer and change nothing on GET. */
export function confirmScorePage(score: number): HttpResult {
  return htmlPage(200, 'How did we do?', `You rate our help ${score} out of 5. Press Send to tell us.`, {
    field: 'confirm',
    value: 'yes',
    button: 'Send',
  });
}

export function thanksPage(): HttpResult {
  return htmlPage(200, 'Thank you', 'Your answer helps us do better.');
}

/** 410 once expired, 400 when the link is not one of ours. */
export function brokenSurveyLinkPage(error: SurveyLinkError): HttpResult {
  return error.refusal === 'expired'
    ? htmlPage(410, 'This link has expired', 'Survey links work for 30 days.')
    : htmlPage(
        400,
        'This link does not work',
        'The link is not valid. Use the link in the message as it was sent.',
      );
}
