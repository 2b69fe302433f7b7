import { randomBytes } from 'node:crypto';
import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../functions/lib/http.js';
import type { WebSocketEvent, WebSocketResult } from '../../functions/lib/websocket.js';
import { issueVisitorToken, verifyVisitorToken } from '../../shared/channels/chat/visitor-token.js';
import { systemClock } from '../../shared/clock.js';
import { sendReply } from '../../shared/outbound/send-reply.js';
import type { ChannelSender, OutboundEnvelope } from '../../shared/outbound/sender.js';
import { getChatConnection } from '../../shared/store/chat-connections.js';
import { findCustomerByIdentity } from '../../shared/store/customers.js';
import { chatConnectionKey } from '../../shared/store/keys.js';
import { getTimeline } from '../../shared/store/timeline.js';
import { CHAT_TEST_ENV, fixedClock, testChatSender, testTokenKey } from '../support/chat.js';
import { loadEvent } from '../support/events.js';
import { useHandlerTable } from '../support/handler-table.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

type Http = (event: HttpEvent, context: ReturnType<typeof lambdaContext>) => Promise<HttpResult>;
type Ws = (event: WebSocketEvent, context: ReturnType<typeof lambdaContext>) => Promise<WebSocketResult>;
type Sqs = (event: SQSEvent, context: ReturnType<typeof lambdaContext>) => Promise<SQSBatchResponse>;

const table = useHandlerTable();
const connections = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);
const ses = mockClient(SESv2Client);
let createSession: Http;
let listMessages: Http;
let connect: Ws;
let disconnect: Ws;
let sendMessage: Ws;
let emailFallbackHandler: (sender: ChannelSender) => Sqs;
let emailFallback: Sqs;

beforeAll(async () => {
  setHandlerEnv({ ...CHAT_TEST_ENV, TABLE_NAME: 'carebridge-test' });
  ({ handler: createSession } = await import('../../functions/chat/create-session.js'));
  ({ handler: listMessages } = await import('../../functions/chat/list-messages.js'));
  ({ handler: connect } = await import('../../functions/chat/connect.js'));
  ({ handler: disconnect } = await import('../../functions/chat/disconnect.js'));
  ({ handler: sendMessage } = await import('../../functions/chat/send-message.js'));
  ({ emailFallbackHandler, handler: emailFallback } = await import('../../functions/chat/email-fallback.js'));
});

afterEach(() => {
  connections.reset();
  sqs.reset();
  ses.reset();
});

function newConnectionId(): string {
  return randomBytes(9).toString('base64');
}

async function startSession(body?: Record<string, unknown>) {
  const event = loadEvent<HttpEvent>('http/chat-create-session.json');
  event.body = body === undefined ? undefined : JSON.stringify(body);
  const result = await createSession(event, lambdaContext('chat-create-session'));
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

function connectEvent(token: string | undefined, connectionId: string): WebSocketEvent {
  const event = loadEvent<WebSocketEvent>('chat/connect.json');
  const query = token === undefined ? {} : { token };
  return {
    ...event,
    queryStringParameters: query,
    multiValueQueryStringParameters: token === undefined ? {} : { token: [token] },
    requestContext: {
      ...event.requestContext,
      connectionId,
      connectedAt: Date.now(),
      requestTimeEpoch: Date.now(),
    },
  };
}

function messageEvent(connectionId: string, body: string): WebSocketEvent {
  const event = loadEvent<WebSocketEvent>('chat/send-message.json');
  return {
    ...event,
    body,
    requestContext: { ...event.requestContext, connectionId, requestTimeEpoch: Date.now() },
  };
}

function frame(clientMessageId: string, text: string): string {
  return JSON.stringify({ action: 'sendMessage', clientMessageId, text });
}

/** A visitor with a session and an open connection; returns what a browser would hold. */
async function connectedVisitor(email?: string) {
  const session = await startSession(email ? { email } : {});
  const connectionId = newConnectionId();
  const result = await connect(connectEvent(session.body.token, connectionId), lambdaContext('chat-connect'));
  expect(result.statusCode).toBe(200);
  return { visitorId: String(session.body.visitorId), token: String(session.body.token), connectionId };
}

function framesTo(connectionId: string) {
  return connections
    .commandCalls(PostToConnectionCommand)
    .filter((call) => call.args[0].input.ConnectionId === connectionId)
    .map((call) => JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)));
}

async function fetchMessages(visitorId: string, token: string | undefined, after?: string) {
  const event = loadEvent<HttpEvent>('http/chat-list-messages.json');
  event.pathParameters = { id: visitorId };
  event.queryStringParameters = after === undefined ? undefined : { after };
  event.headers = { ...event.headers, authorization: token === undefined ? undefined : `Bearer ${token}` };
  const result = await listMessages(event, lambdaContext('chat-list-messages'));
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

describe('POST /v1/chat/sessions', () => {
  it('answers 201 with a visitor id and a token carrying the normalized email', async () => {
    // Act
    const { status, body } = await startSession({ email: ' Ada.Lovelace@Example.com', name: 'Ada Lovelace' });

    // Assess
    expect(status).toBe(201);
    expect(body).toEqual({
      visitorId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      token: expect.any(String),
      expiresAt: expect.any(String),
      wsUrl: CHAT_TEST_ENV.CHAT_WS_URL,
    });
    const claims = await verifyVisitorToken(testTokenKey, body.token, systemClock);
    expect(claims).toMatchObject({
      visitorId: body.visitorId,
      email: 'ada.lovelace@example.com',
      name: 'Ada Lovelace',
    });
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);
  });

  it('starts an anonymous session without a body', async () => {
    const { status, body } = await startSession();

    expect(status).toBe(201);
    expect((await verifyVisitorToken(testTokenKey, body.token, systemClock)).email).toBeUndefined();
  });

  it('refuses an invalid email with 400 naming the field', async () => {
    const { status, body } = await startSession({ email: 'not-an-email' });

    expect(status).toBe(400);
    expect(body.issues.map((issue: { field: string }) => issue.field)).toEqual(['email']);
  });

  it('refuses unknown fields with 400', async () => {
    const { status, body } = await startSession({
      email: 'ada@example.com',
      visitorId: '01M8BWRRC00M5N6P7Q8R9S0T1V',
    });

    expect(status).toBe(400);
    expect(JSON.stringify(body.issues)).toContain('visitorId');
  });

  it('refuses a body over 4 KB with 413', async () => {
    const { status } = await startSession({ name: 'x'.repeat(5000) });

    expect(status).toBe(413);
  });
});

describe('WebSocket $connect and $disconnect', () => {
  it('admits a valid token and stores the connection with a TTL of at most 2 hours', async () => {
    // Prepare
    const session = await startSession({ email: 'connect@example.com' });
    const connectionId = newConnectionId();
    const event = connectEvent(session.body.token, connectionId);

    // Act
    const result = await connect(event, lambdaContext('chat-connect'));

    // Assess
    expect(result.statusCode).toBe(200);
    const stored = await table.db.doc.send(
      new GetCommand({ TableName: table.db.tableName, Key: chatConnectionKey(connectionId) }),
    );
    expect(stored.Item).toMatchObject({
      entity: 'chat-connection',
      gsi1pk: `VISITOR#${session.body.visitorId}`,
      visitorId: session.body.visitorId,
      email: 'connect@example.com',
    });
    const connectedAtSeconds = Math.floor(Date.parse(String(stored.Item?.connectedAt)) / 1000);
    expect(stored.Item?.expiresAt).toBe(connectedAtSeconds + 7200);
    expect(Math.abs(connectedAtSeconds - event.requestContext.connectedAt / 1000)).toBeLessThan(5);
  });

  it('refuses a missing token with 401 and stores nothing', async () => {
    const connectionId = newConnectionId();

    const result = await connect(connectEvent(undefined, connectionId), lambdaContext('chat-connect'));

    expect(result.statusCode).toBe(401);
    expect(await getChatConnection(table.db, connectionId)).toBeUndefined();
  });

  it('refuses an expired token with 401 and stores nothing', async () => {
    // Prepare: a token issued two days ago.
    const twoDaysAgo = fixedClock(new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString());
    const { token } = await issueVisitorToken(testTokenKey, { visitorId: twoDaysAgo.newId() }, twoDaysAgo);
    const connectionId = newConnectionId();

    // Act
    const result = await connect(connectEvent(token, connectionId), lambdaContext('chat-connect'));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(await getChatConnection(table.db, connectionId)).toBeUndefined();
  });

  it('refuses the fixture token, signed with another secret, with 401', async () => {
    const event = loadEvent<WebSocketEvent>('chat/connect.json');

    const result = await connect(event, lambdaContext('chat-connect'));

    expect(result.statusCode).toBe(401);
    expect(await getChatConnection(table.db, event.requestContext.connectionId)).toBeUndefined();
  });

  it('forgets the connection on $disconnect', async () => {
    const { connectionId } = await connectedVisitor();
    const event = loadEvent<WebSocketEvent>('chat/disconnect.json');

    const result = await disconnect(
      { ...event, requestContext: { ...event.requestContext, connectionId } },
      lambdaContext('chat-disconnect'),
    );

    expect(result.statusCode).toBe(200);
    expect(await getChatConnection(table.db, connectionId)).toBeUndefined();
  });
});

describe('WebSocket route sendMessage', () => {
  it('records the message, hands it to routing and acks it on the connection', async () => {
    // Prepare
    const visitor = await connectedVisitor('send@example.com');
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    // Act
    const result = await sendMessage(
      messageEvent(visitor.connectionId, frame('m-1', 'Hello')),
      lambdaContext('chat-send'),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    const [ack] = framesTo(visitor.connectionId);
    expect(ack).toEqual({
      type: 'ack',
      clientMessageId: 'm-1',
      interactionId: expect.any(String),
      duplicate: false,
    });
    const [handedOff, verification] = sqs
      .commandCalls(SendMessageCommand)
      .map((call) => JSON.parse(call.args[0].input.MessageBody ?? '{}'));
    expect(handedOff).toMatchObject({ kind: 'inbound', channel: 'chat', interactionId: ack.interactionId });
    const customer = await findCustomerByIdentity(table.db, { kind: 'visitor', value: visitor.visitorId });
    // The visitor id is ours, so verified; the typed-in email is a claim, to be proven by a link.
    expect(customer.identities).toEqual([
      { kind: 'visitor', value: visitor.visitorId, trust: 'verified' },
      { kind: 'email', value: 'send@example.com', trust: 'claimed' },
    ]);
    expect(verification).toEqual({
      kind: 'email-verification',
      customerId: customer.customerId,
      email: 'send@example.com',
    });
  });

  it('records a retried send (same clientMessageId) once and acks it with the first id', async () => {
    // Prepare
    const visitor = await connectedVisitor();
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});

    // Act
    await sendMessage(
      messageEvent(visitor.connectionId, frame('retry-1', 'Are you there?')),
      lambdaContext('chat-send'),
    );
    await sendMessage(
      messageEvent(visitor.connectionId, frame('retry-1', 'Are you there?')),
      lambdaContext('chat-send'),
    );

    // Assess
    const [first, second] = framesTo(visitor.connectionId);
    expect(second).toEqual({ ...first, duplicate: true });
    const customer = await findCustomerByIdentity(table.db, { kind: 'visitor', value: visitor.visitorId });
    const timeline = await getTimeline(table.db, customer, { limit: 10 });
    expect(timeline.items.map((interaction) => interaction.interactionId)).toEqual([first.interactionId]);
  });

  it('answers a frame with bad fields with an error frame naming them, and stores nothing', async () => {
    // Prepare
    const visitor = await connectedVisitor();
    connections.on(PostToConnectionCommand).resolves({});
    const body = JSON.stringify({
      action: 'sendMessage',
      clientMessageId: 'bad id with spaces',
      text: '',
      extra: 1,
    });

    // Act
    const result = await sendMessage(messageEvent(visitor.connectionId, body), lambdaContext('chat-send'));

    // Assess
    expect(result.statusCode).toBe(200);
    const [error] = framesTo(visitor.connectionId);
    expect(error.type).toBe('error');
    expect(error.error).toBe('validation_failed');
    expect(error.issues.map((issue: { field: string }) => issue.field).sort()).toEqual([
      '(root)',
      'clientMessageId',
      'text',
    ]);
    expect(sqs.calls()).toHaveLength(0);
    await expect(
      findCustomerByIdentity(table.db, { kind: 'visitor', value: visitor.visitorId }),
    ).rejects.toThrow();
  });

  it('answers malformed JSON and oversized frames with error frames, echoing a readable clientMessageId', async () => {
    const visitor = await connectedVisitor();
    connections.on(PostToConnectionCommand).resolves({});

    await sendMessage(
      messageEvent(visitor.connectionId, '{"action":"sendMessage",'),
      lambdaContext('chat-send'),
    );
    await sendMessage(
      messageEvent(visitor.connectionId, frame('big-1', 'x'.repeat(9000))),
      lambdaContext('chat-send'),
    );
    await sendMessage(
      messageEvent(visitor.connectionId, frame('long-1', 'é'.repeat(2100))),
      lambdaContext('chat-send'),
    );

    const [malformed, oversized, tooLong] = framesTo(visitor.connectionId);
    expect(malformed).toMatchObject({ type: 'error', error: 'validation_failed' });
    expect(oversized).toMatchObject({ type: 'error', error: 'payload_too_large', clientMessageId: 'big-1' });
    expect(tooLong).toMatchObject({
      type: 'error',
      error: 'validation_failed',
      clientMessageId: 'long-1',
      issues: [{ field: 'text', message: 'must be at most 4096 bytes' }],
    });
  });

  it('tells a connection the store does not know that the session expired', async () => {
    const connectionId = newConnectionId();
    connections.on(PostToConnectionCommand).resolves({});

    const result = await sendMessage(
      messageEvent(connectionId, frame('m-1', 'Hello')),
      lambdaContext('chat-send'),
    );

    expect(result.statusCode).toBe(200);
    expect(framesTo(connectionId)).toEqual([
      {
        type: 'error',
        error: 'session_expired',
        message: 'start a new chat session',
        clientMessageId: 'm-1',
      },
    ]);
  });
});

describe('GET /v1/chat/sessions/{id}/messages', () => {
  it("returns the visitor's messages with their own token", async () => {
    const visitor = await connectedVisitor();
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    await sendMessage(messageEvent(visitor.connectionId, frame('m-1', 'Hello')), lambdaContext('chat-send'));

    const { status, body } = await fetchMessages(visitor.visitorId, visitor.token);

    expect(status).toBe(200);
    expect(body).toEqual({
      visitorId: visitor.visitorId,
      messages: [
        {
          interactionId: expect.any(String),
          from: 'visitor',
          body: 'Hello',
          sentAt: expect.any(String),
          clientMessageId: 'm-1',
        },
      ],
      hasMore: false,
    });
  });

  it('answers 401 to the token of another visitor, and without a token', async () => {
    const visitor = await connectedVisitor();
    const intruder = await startSession();

    const withOtherToken = await fetchMessages(visitor.visitorId, intruder.body.token);
    const withoutToken = await fetchMessages(visitor.visitorId, undefined);

    expect(withOtherToken.status).toBe(401);
    expect(withoutToken.status).toBe(401);
  });

  it('refuses a cursor that is not an interaction id with 400', async () => {
    const visitor = await connectedVisitor();

    const { status, body } = await fetchMessages(visitor.visitorId, visitor.token, 'yesterday');

    expect(status).toBe(400);
    expect(body.issues.map((issue: { field: string }) => issue.field)).toEqual(['after']);
  });
});

describe('chat-fallback queue consumer', () => {
  it('fails only the record it cannot read, for SQS to retry and dead-letter', async () => {
    // Prepare: the fixture's reply does not exist (missing) and a second record is not JSON.
    const event = loadEvent<SQSEvent>('chat/email-fallback-sqs.json');
    const [record] = event.Records;
    if (!record) throw new Error('fixture has no record');
    event.Records.push({ ...record, messageId: 'poison-1', body: '{not json' });
    const sent: OutboundEnvelope[] = [];
    const handler = emailFallbackHandler({
      channel: 'email',
      send: async (envelope) => {
        sent.push(envelope);
        return { providerMessageId: 'ses-1', status: 'sent' };
      },
    });

    // Act
    const response = await handler(event, lambdaContext('chat-email-fallback'));

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison-1' }] });
    expect(sent).toHaveLength(0);
  });
});

describe('an agent reply to a visitor who left', () => {
  /** The visitor wrote, closed the tab, and an agent answered: the reply is queued, the fallback scheduled. */
  async function replyWhileAway() {
    const visitor = await connectedVisitor('away@example.com');
    connections.on(PostToConnectionCommand).resolves({});
    sqs.on(SendMessageCommand).resolves({});
    await sendMessage(
      messageEvent(visitor.connectionId, frame('m-1', 'Call me back')),
      lambdaContext('chat-send'),
    );
    const customer = await findCustomerByIdentity(table.db, { kind: 'visitor', value: visitor.visitorId });
    if (!customer.openConversationId) throw new Error('the message opened no conversation');
    const conversationId = customer.openConversationId;
    connections
      .on(PostToConnectionCommand)
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({});
    const reply = await sendReply(
      table.db,
      {
        chat: testChatSender(table.db, systemClock),
      },
      { conversationId, body: 'We called, nobody answered.', authorId: 'agent-7' },
      systemClock,
    );
    const scheduled = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    const event = loadEvent<SQSEvent>('chat/email-fallback-sqs.json');
    const [record] = event.Records;
    if (!record || !scheduled?.MessageBody) throw new Error('no fallback was scheduled');
    event.Records = [{ ...record, body: scheduled.MessageBody }];
    return { visitor, reply, event, delay: scheduled.DelaySeconds };
  }

  it('goes out by email through SES once the delay has passed, and only once', async () => {
    // Prepare
    const { reply, event, delay } = await replyWhileAway();
    ses.on(SendEmailCommand).resolves({ MessageId: '0100019abc-ses-1' });

    // Act
    const first = await emailFallback(event, lambdaContext('chat-email-fallback'));
    const redelivered = await emailFallback(event, lambdaContext('chat-email-fallback'));

    // Assess
    expect(reply.deliveryStatus).toBe('queued');
    expect(delay).toBe(300);
    expect(first.batchItemFailures).toEqual([]);
    expect(redelivered.batchItemFailures).toEqual([]);
    const sends = ses.commandCalls(SendEmailCommand);
    expect(sends).toHaveLength(1);
    expect(sends[0]?.args[0].input.Destination?.ToAddresses).toEqual(['away@example.com']);
  });

  it('is not emailed when the visitor fetched it first', async () => {
    const { visitor, event } = await replyWhileAway();
    ses.on(SendEmailCommand).resolves({ MessageId: '0100019abc-ses-2' });
    const fetched = await fetchMessages(visitor.visitorId, visitor.token);

    await emailFallback(event, lambdaContext('chat-email-fallback'));

    expect(fetched.body.messages.map((message: { from: string }) => message.from)).toEqual([
      'visitor',
      'agent',
    ]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });
});
