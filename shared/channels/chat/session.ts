import type { Clock } from '../../clock.js';
import { signedIdentities } from '../../identity/site-signature.js';
import type { CreateChatSession } from './session-requests.js';
import { issueVisitorToken, type VisitorTokenKey } from './visitor-token.js';

/** A new chat session as `POST /v1/chat/sessions` returns it. */
export interface ChatSession {
  readonly visitorId: string;
  readonly token: string;
  /** ISO-8601: when the token, and so the session, ends. */
  readonly expiresAt: string;
}

/**
 * Starts a chat session: a new visitor id (ULID) and a signed token carrying it and the email and name
 * the visitor gave; the email is verified when the site signed it (a bad signature is a ValidationError
 * naming `emailSignature`), else a claim. Nothing is stored: the visitor becomes a customer identity with
 * their first message.
 */
export async function startChatSession(
  key: VisitorTokenKey,
  identitySecret: () => Promise<Uint8Array>,
  input: CreateChatSession,
  clock: Clock,
): Promise<ChatSession> {
  const visitorId = clock.newId();
  const [email] = await signedIdentities(input, identitySecret);
  const { token, claims } = await issueVisitorToken(
    key,
    { visitorId, email: email?.value, emailVerified: email?.trust === 'verified', name: input.name },
    clock,
  );
  return { visitorId, token, expiresAt: new Date(claims.expiresAt * 1000).toISOString() };
}
