import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { readCallbackUrl } from '../../shared/channels/chat/config.js';
import { createConnectionsClient, postFrame } from '../../shared/channels/chat/connections-api.js';
import { CHAT_FRAME_MAX_BYTES, SendMessageFrameSchema } from '../../shared/channels/chat/protocol.js';
import { receiveChatMessage, requireLiveConnection } from '../../shared/channels/chat/receive-message.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { queueVerificationRequester } from '../../shared/identity/verification-request.js';
import { queueHandoff } from '../../shared/routing/handoff.js';
import { createDb } from '../../shared/store/db.js';
import { parseInput } from '../lib/http.js';
import { injectLambdaContext, logger } from '../lib/logger.js';
import {
  frameErrors,
  readFrame,
  status,
  type WebSocketEvent,
  type WebSocketResult,
} from '../lib/websocket.js';

const db = createDb(requireEnv('TABLE_NAME'));
const sqs = new SQSClient({});
const receiver = {
  db,
  handoff: queueHandoff(sqs, requireEnv('ROUTING_QUEUE_URL')),
  clock: systemClock,
  requestVerification: queueVerificationRequester(sqs, requireEnv('IDENTITY_VERIFICATION_QUEUE_URL')),
};
const connections = createConnectionsClient(readCallbackUrl());

/**
 * WebSocket route `sendMessage` (`{"action":"sendMessage","clientMessageId":"…","text":"…"}`): records
 * the visitor's message, hands it to routing and acks it on the connection with
 * `{type:'ack', clientMessageId, interactionId, duplicate}`. A retried send (same clientMessageId) is
 * recorded once and acked with the first interaction id. A bad frame gets an `error` frame.
 */
export const handler = middy<WebSocketEvent, WebSocketResult>()
  .use(injectLambdaContext(logger))
  .use(frameErrors(connections))
  .handler(async (event) => {
    const { connectionId, requestTimeEpoch } = event.requestContext;
    const frame = parseInput(SendMessageFrameSchema, readFrame(event, CHAT_FRAME_MAX_BYTES));
    const connection = await requireLiveConnection(db, connectionId, systemClock);
    const receivedAt = new Date(requestTimeEpoch).toISOString();
    const result = await receiveChatMessage(receiver, connection, frame, receivedAt);
    const { clientMessageId } = frame;
    const duplicate = result.outcome === 'duplicate';
    const acked = await postFrame(connections, connectionId, {
      type: 'ack',
      clientMessageId,
      interactionId: result.interactionId,
      duplicate,
    });
    logger.setCorrelationId(result.conversationId);
    logger.info('chat message recorded', {
      outcome: result.outcome,
      customerCreated: result.customerCreated,
      merged: result.mergedCustomerIds.length,
      acked: acked === 'posted',
    });
    return status(200);
  });
