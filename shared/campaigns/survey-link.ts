import * as z from 'zod/mini';
import type { Clock } from '../clock.js';
import { CarebridgeError } from '../errors.js';
import { signToken, type TokenRefusal, tokenClaimsSchema, verifyToken } from '../identity/hs256-token.js';
import type { Conversation } from '../schemas/index.js';
import { IdSchema } from '../schemas/index.js';
import { updateConversation } from '../store/conversations.js';
import type { Db } from '../store/db.js';
import { answeredSurvey, awaitsSurvey, recordSurveyOutcome } from './survey.js';

/**
 * The signed one-click score links of a survey email: an HS256 token under the identity secret naming
 * the surveyed conversation, in the query of `/v1/surveys/answer` with `score=1..5`. `GET` shows the
 * score to confirm and changes nothing (mail scanners follow links); `POST` records it, once.
 */

export const SURVEY_AUDIENCE = 'carebridge-survey';
/** How long a score link works. */
export const SURVEY_LINK_TTL_SECONDS = 30 * 24 * 60 * 60;
export const SURVEY_TOKEN_MAX_CHARS = 2048;

/** The link's query. Not strict: mail clients and scanners add parameters. */
export const SurveyLinkFieldsSchema = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(SURVEY_TOKEN_MAX_CHARS)),
  score: z.pipe(
    z.string().check(z.regex(/^[1-5]$/, 'must be a score from 1 to 5')),
    z.transform((text) => Number(text)),
  ),
});

/** The confirmation page's form (a scanner's GET never sends it). */
export const SurveyConfirmBodySchema = z.object({ confirm: z.literal('yes') });

/** A score link that is forged, malformed, for another audience (`invalid`) or `expired`. */
export class SurveyLinkError extends CarebridgeError {
  override name = 'SurveyLinkError';
  constructor(
    readonly refusal: TokenRefusal,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const PayloadSchema = z.extend(tokenClaimsSchema(SURVEY_AUDIENCE), {});

/** Signs the token of a conversation's score links. */
export async function issueSurveyToken(
  secret: Uint8Array,
  conversationId: string,
  clock: Clock,
): Promise<string> {
  const { token } = await signToken(
    secret,
    { subject: conversationId, audience: SURVEY_AUDIENCE, ttlSeconds: SURVEY_LINK_TTL_SECONDS, claims: {} },
    clock,
  );
  return token;
}

/** The conversation a score link is about; SurveyLinkError when the token is not valid or expired. */
export async function verifySurveyToken(secret: Uint8Array, token: string, clock: Clock): Promise<string> {
  const verified = await verifyToken(secret, token, SURVEY_AUDIENCE, PayloadSchema, clock);
  if (!verified.ok) {
    throw new SurveyLinkError(
      verified.refusal,
      verified.refusal === 'expired' ? 'this link has expired' : 'this link is not valid',
      { cause: verified.cause },
    );
  }
  return IdSchema.parse(verified.claims.sub);
}

/** The five links of a survey email, score 1 to 5. */
export function surveyLinks(routeUrl: string, token: string): string[] {
  return [1, 2, 3, 4, 5].map((score) => {
    const url = new URL(routeUrl);
    url.searchParams.set('token', token);
    url.searchParams.set('score', String(score));
    return url.toString();
  });
}

/**
 * Records a score given by a link: the first answer counts (a second click, or a reply after it, changes
 * nothing); a low score reopens the concern at tier 2 (shared/campaigns/survey.ts). Returns whether this
 * call recorded it.
 */
export async function answerSurveyByLink(
  db: Db,
  conversationId: string,
  score: number,
  clock: Clock,
): Promise<boolean> {
  const now = clock.now();
  let recorded: Conversation | undefined;
  await updateConversation(db, conversationId, (current) => {
    if (!awaitsSurvey(current)) return undefined;
    recorded = answeredSurvey(current, score, { occurredAt: now, channel: 'email' }, clock.now());
    return recorded;
  });
  if (recorded === undefined) return false;
  await recordSurveyOutcome(db, recorded, clock);
  return true;
}
