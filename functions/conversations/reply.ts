import { ConversationPathSchema } from '../../shared/channels/staff-queries.js';
import { REPLY_BODY_MAX_BYTES, ReplyBodySchema } from '../../shared/channels/staff-requests.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput, readJsonBody } from '../lib/http.js';
import { logger } from '../lib/logger.js';
import { countMessageOut } from '../lib/metrics.js';
import { sendersFromEnv } from '../lib/senders.js';

const db = createDb(requireEnv('TABLE_NAME'));
const senders = sendersFromEnv(db);

/**
 * POST /v1/conversations/{id}/replies: an agent's answer, delivered on the customer's last inbound
 * channel unless another is named, recorded on the timeline with its delivery status. 409 when the
 * customer opted out of that channel or the address is undeliverable.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(ConversationPathSchema, event.pathParameters ?? {});
    logger.setCorrelationId(id);
    const reply = parseInput(ReplyBodySchema, readJsonBody(event, REPLY_BODY_MAX_BYTES));
    const interaction = await sendReply(
      db,
      senders,
      { conversationId: id, body: reply.body, channel: reply.channel, authorId: callerSubject(event) },
      systemClock,
    );
    if (interaction.deliveryStatus !== 'failed') countMessageOut(interaction.channel);
    logger.info('reply sent', { channel: interaction.channel, deliveryStatus: interaction.deliveryStatus });
    return json(201, interaction);
  },
  { roles: ['agent', 'supervisor'] },
);
