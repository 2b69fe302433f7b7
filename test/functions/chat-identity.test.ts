import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import type { WebSocketEvent, WebSocketResult } from '../../functions/lib/websocket.js';
import { systemClock } from '../../shared/clock.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { CHAT_TEST_ENV, testChatSender } from '../support/chat.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

type Http = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
type Ws = (event: WebSocketEvent, context: ReturnType<typeof lambdaContext>) => Promise<WebSocketResult>;

const table = useHandlerTable();
const connections = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
let webform: Http;
let createSession: Http;
let listMessages: Http;
let connect: Ws;
let sendMessage: Ws;

beforeAll(async () => {
  setHandlerEnv({ ...CHAT_TEST_ENV, TABLE_NAME: 'carebridge-test' });
  ({ handler: webform } = await import('../../functions/webform/handler.js'));
  ({ handler: createSession } = await import('../../functions/chat/create-session.js'));
  ({ handler: listMessages } = await import('../../functions/chat/list-messages.js'));
  ({ handler: connect } = await import('../../functions/chat/connect.js'));
  ({ handler: sendMessage } = await import('../../functions/chat/send-message.js'));
});

afterEach(() => {
  connections.reset();
  sqs.reset();
});

function json(result: HttpResult) {
  return JSON.parse(result.body ?? 'null');
}

function framesTo(connectionId: string) {
  return connections
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)));
}

describe('a web-form customer who then chats with the same email', () => {
  it('is one customer with one open conversation, and the agent reply reaches the WebSocket', async () => {
    // Prepare: the web form (email ada.lovelace@example.com), then a chat session giving that email.
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    const form = json(
      await webform(loadEvent<HttpEvent>('http/webform-submission.json'), lambdaContext('webform')),
    );
    const session = json(
      await createSession(loadEvent<HttpEvent>('http/chat-create-session.json'), lambdaContext('chat')),
    );
    const handshake = loadEvent<WebSocketEvent>('chat/connect.json');
    const connectionId = handshake.requestContext.connectionId;
    const connected = await connect(
      {
        ...handshake,
        queryStringParameters: { token: session.token },
        multiValueQueryStringParameters: { token: [session.token] },
        requestContext: {
          ...handshake.requestContext,
          connectedAt: Date.now(),
          requestTimeEpoch: Date.now(),
        },
      },
      lambdaContext('chat-connect'),
    );
    const message = loadEvent<WebSocketEvent>('chat/send-message.json');

    // Act: the visitor writes, an agent answers on chat.
    await sendMessage(
      { ...message, requestContext: { ...message.requestContext, requestTimeEpoch: Date.now() } },
      lambdaContext('chat-send'),
    );
    const [ack] = framesTo(connectionId);
    const reply = await sendReply(
      table.db,
      {
        chat: testChatSender(table.db, systemClock),
      },
      { conversationId: form.conversationId, body: 'We refunded the duplicate charge.', authorId: 'agent-7' },
      systemClock,
    );

    // Assess: one customer, both identities, the chat message threaded into the web form's conversation.
    expect(connected.statusCode).toBe(200);
    const customer = await findCustomerByIdentity(table.db, { kind: 'visitor', value: session.visitorId });
    expect(customer.customerId).toBe(form.customerId);
    expect(customer.identities).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: 'ada.lovelace@example.com' },
        { kind: 'visitor', value: session.visitorId },
      ]),
    );
    const timeline = await getTimeline(table.db, customer, { limit: 10 });
    const chat = timeline.items.find((interaction) => interaction.interactionId === ack.interactionId);
    expect(chat).toMatchObject({
      channel: 'chat',
      conversationId: form.conversationId,
      providerRefs: { emailClaim: 'unverified' },
    });

    // The reply went back on chat, pushed to the open connection.
    expect(reply).toMatchObject({
      channel: 'chat',
      deliveryStatus: 'sent',
      identities: [{ kind: 'visitor', value: session.visitorId }],
    });
    expect(framesTo(connectionId).at(-1)).toEqual({
      type: 'message',
      message: {
        interactionId: reply.interactionId,
        from: 'agent',
        body: 'We refunded the duplicate charge.',
        sentAt: expect.any(String),
      },
    });

    // The visitor's history shows the chat only, never the web form of the shared customer.
    const history = await listMessages(
      {
        ...loadEvent<HttpEvent>('http/chat-list-messages.json'),
        pathParameters: { id: session.visitorId },
        queryStringParameters: undefined,
        headers: { authorization: `Bearer ${session.token}` },
      },
      lambdaContext('chat-list-messages'),
    );
    expect(json(history).messages.map((entry: { body: string }) => entry.body)).toEqual([
      'Hi, my last invoice was charged twice. Can you help?',
      'We refunded the duplicate charge.',
    ]);
  });
});
