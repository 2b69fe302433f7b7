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
import { identitySecretFromText, siteSignature } from '../../shared/identity/site-signature.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { CHAT_TEST_ENV, testChatSender } from '../support/chat.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { lambdaContext, setHandlerEnv, TEST_IDENTITY_SECRET } from '../support/lambda.js';

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

/** Opens a chat session with `body`, connects it and sends the fixture's message; returns the ids. */
async function chatWith(body: Record<string, unknown>) {
  const session = json(
    await createSession(
      { ...loadEvent<HttpEvent>('http/chat-create-session.json'), body: JSON.stringify(body) },
      lambdaContext('chat'),
    ),
  );
  const handshake = loadEvent<WebSocketEvent>('chat/connect.json');
  const connectionId = handshake.requestContext.connectionId;
  const connected = await connect(
    {
      ...handshake,
      queryStringParameters: { token: session.token },
      multiValueQueryStringParameters: { token: [session.token] },
      requestContext: { ...handshake.requestContext, connectedAt: Date.now(), requestTimeEpoch: Date.now() },
    },
    lambdaContext('chat-connect'),
  );
  const message = loadEvent<WebSocketEvent>('chat/send-message.json');
  await sendMessage(
    { ...message, requestContext: { ...message.requestContext, requestTimeEpoch: Date.now() } },
    lambdaContext('chat-send'),
  );
  const [ack] = framesTo(connectionId);
  expect(connected.statusCode).toBe(200);
  return { session, connectionId, ack };
}

const ADA = 'ada.lovelace@example.com';
const sign = (value: string) => siteSignature(identitySecretFromText(TEST_IDENTITY_SECRET), value);

describe('a chat visitor who only claims the email of a web-form customer', () => {
  it('gets a customer of its own: the chat never joins the form customer, whose data it cannot see', async () => {
    // Prepare: Ada's site-signed web form (her email verified), then a chat session typing her email.
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    const form = {
      ...JSON.parse(loadEvent<HttpEvent>('http/webform-submission.json').body ?? '{}'),
      emailSignature: sign(ADA),
    };
    await webform(
      { ...loadEvent<HttpEvent>('http/webform-submission.json'), body: JSON.stringify(form) },
      lambdaContext('webform'),
    );
    const ada = await findCustomerByIdentity(table.db, { kind: 'email', value: ADA });

    // Act: someone chats claiming Ada's address; an agent answers in the chat's conversation.
    const { session, connectionId, ack } = await chatWith({ email: ADA, name: 'Ada Lovelace' });
    const visitor = await findCustomerByIdentity(table.db, { kind: 'visitor', value: session.visitorId });
    const [chat] = (await getTimeline(table.db, visitor, { limit: 10 })).items;
    const reply = await sendReply(
      table.db,
      { chat: testChatSender(table.db, systemClock) },
      { conversationId: chat?.conversationId ?? '', body: 'How can we help?', authorId: 'agent-7' },
      systemClock,
    );

    // Assess: two customers; the claim is only a suggestion for staff, and Ada's data stays hers.
    expect(visitor.customerId).not.toBe(ada.customerId);
    expect(visitor.identities).toEqual([{ kind: 'visitor', value: session.visitorId, trust: 'verified' }]);
    expect(chat).toMatchObject({
      interactionId: ack.interactionId,
      identities: [
        { kind: 'visitor', value: session.visitorId, trust: 'verified' },
        { kind: 'email', value: ADA, trust: 'claimed' },
      ],
      possibleMatches: [ada.customerId],
    });
    expect((await getTimeline(table.db, ada, { limit: 10 })).items.map((item) => item.channel)).toEqual([
      'webform',
    ]);
    expect(reply).toMatchObject({
      channel: 'chat',
      identities: [{ kind: 'visitor', value: session.visitorId, trust: 'verified' }],
    });
    expect(framesTo(connectionId).at(-1)).toMatchObject({
      type: 'message',
      message: { body: 'How can we help?' },
    });
  });
});

describe('a web-form customer who then chats with the same email, signed by the site', () => {
  it('is one customer with one open conversation, and the agent reply reaches the WebSocket', async () => {
    // Prepare: the site signs Ada's email on the web form and on the chat session.
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    const form = {
      ...JSON.parse(loadEvent<HttpEvent>('http/webform-submission.json').body ?? '{}'),
      submissionId: 'sub-signed-0001',
      email: 'signed.ada@example.com',
      emailSignature: sign('signed.ada@example.com'),
    };
    await webform(
      { ...loadEvent<HttpEvent>('http/webform-submission.json'), body: JSON.stringify(form) },
      lambdaContext('webform'),
    );
    const formCustomer = await findCustomerByIdentity(table.db, {
      kind: 'email',
      value: 'signed.ada@example.com',
    });
    const formConversation = formCustomer.openConversationId ?? '';

    // Act: the visitor writes, an agent answers on chat.
    const { session, connectionId, ack } = await chatWith({
      email: 'signed.ada@example.com',
      emailSignature: sign('signed.ada@example.com'),
      name: 'Ada Lovelace',
    });
    const reply = await sendReply(
      table.db,
      { chat: testChatSender(table.db, systemClock) },
      { conversationId: formConversation, body: 'We refunded the duplicate charge.', authorId: 'agent-7' },
      systemClock,
    );

    // Assess: one customer, both identities verified, the chat message threaded into the form's conversation.
    const customer = await findCustomerByIdentity(table.db, { kind: 'visitor', value: session.visitorId });
    expect(customer.customerId).toBe(formCustomer.customerId);
    expect(customer.identities).toEqual(
      expect.arrayContaining([
        { kind: 'email', value: 'signed.ada@example.com', trust: 'verified' },
        { kind: 'visitor', value: session.visitorId, trust: 'verified' },
      ]),
    );
    const timeline = await getTimeline(table.db, customer, { limit: 10 });
    const chat = timeline.items.find((interaction) => interaction.interactionId === ack.interactionId);
    expect(chat).toMatchObject({ channel: 'chat', conversationId: formConversation });

    // The reply went back on chat, pushed to the open connection.
    expect(reply).toMatchObject({
      channel: 'chat',
      deliveryStatus: 'sent',
      identities: [{ kind: 'visitor', value: session.visitorId, trust: 'verified' }],
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
