import type { InboundMessage } from '../schemas/index.js';

/** Longest body routing classifies by; the start of a message says what it is about. */
export const ROUTING_BODY_CHARS = 4000;

/** The part of a message routing reads: subject, the start of the body, the language if known. */
export interface RoutingContent {
  readonly subject?: string;
  readonly body: string;
  /** From `providerRefs.language`, when the channel tells it (web form `language`, email Content-Language). */
  readonly language?: string;
}

/** What routing will classify a message by; travels with the hand-off, so routing reads nothing more. */
export function routingContent(message: InboundMessage): RoutingContent {
  const language = message.providerRefs.language;
  return {
    ...(message.subject ? { subject: message.subject } : {}),
    body: message.body.slice(0, ROUTING_BODY_CHARS),
    ...(language ? { language } : {}),
  };
}
