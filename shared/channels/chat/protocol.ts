import * as z from 'zod/mini';
import type { Interaction } from '../../schemas/index.js';
import { messageBodyField } from '../../text/fields.js';

/**
 * The chat channel's wire protocol: request bodies of the chat HTTP routes (declared in
 * ./session-requests.ts, so that the WebSocket functions do not build them at cold start, and re-exported
 * here), the frame a visitor sends on the WebSocket, and the frames we push back. Our own API: strict
 * objects, every field bounded.
 */

export {
  CHAT_SESSION_BODY_MAX_BYTES,
  ChatHistoryQuerySchema,
  type CreateChatSession,
  CreateChatSessionSchema,
} from './session-requests.js';

/** Largest WebSocket frame we parse, in bytes (the text limit plus room for the envelope). */
export const CHAT_FRAME_MAX_BYTES = 8 * 1024;
/** Largest chat message text, in UTF-8 bytes. */
export const CHAT_TEXT_MAX_BYTES = 4 * 1024;

/** A visitor-chosen idempotency key: a retried send carries the same one. */
export const ClientMessageIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 letters, digits or . _ : -'));

/** The frame a visitor sends on the WebSocket (route selection: `$request.body.action`). */
export const SendMessageFrameSchema = z.strictObject({
  action: z.literal('sendMessage'),
  clientMessageId: ClientMessageIdSchema,
  text: messageBodyField(CHAT_TEXT_MAX_BYTES),
});
export type SendMessageFrame = z.infer<typeof SendMessageFrameSchema>;

/** One chat message as the visitor sees it: no internal ids of staff, no identities. */
export interface ChatMessageView {
  readonly interactionId: string;
  readonly from: 'visitor' | 'agent';
  readonly body: string;
  readonly sentAt: string;
  /** The visitor's idempotency key, on their own messages, so a client can match its pending sends. */
  readonly clientMessageId?: string;
}

/** Frames we push to a visitor. */
export type ServerFrame =
  | {
      readonly type: 'ack';
      readonly clientMessageId: string;
      readonly interactionId: string;
      readonly duplicate: boolean;
    }
  | {
      readonly type: 'error';
      readonly error:
        | 'validation_failed'
        | 'payload_too_large'
        | 'idempotency_key_reused'
        | 'session_expired'
        | 'internal_error';
      readonly message: string;
      readonly clientMessageId?: string;
      readonly issues?: readonly { readonly field: string; readonly message: string }[];
    }
  | { readonly type: 'message'; readonly message: ChatMessageView };

/** providerRefs key under which an inbound chat interaction keeps the visitor's clientMessageId. */
export const CLIENT_MESSAGE_ID_REF = 'clientMessageId';

/** The visitor's view of one chat interaction. */
export function chatMessageView(interaction: Interaction): ChatMessageView {
  const clientMessageId = interaction.providerRefs[CLIENT_MESSAGE_ID_REF];
  return {
    interactionId: interaction.interactionId,
    from: interaction.direction === 'inbound' ? 'visitor' : 'agent',
    body: interaction.body,
    sentAt: interaction.occurredAt,
    ...(interaction.direction === 'inbound' && clientMessageId ? { clientMessageId } : {}),
  };
}
