import {
  ApiGatewayManagementApiClient,
  ForbiddenException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createChatSender } from '../../../shared/channels/chat/chat-sender.js';
import { queueFallbackScheduler } from '../../../shared/channels/chat/email-fallback.js';
import { DeliveryError } from '../../../shared/errors.js';
import type { OutboundEnvelope } from '../../../shared/outbound/sender.js';
import type { ChatConnection, Interaction } from '../../../shared/schemas/index.js';
import { getChatConnection, putChatConnection } from '../../../shared/store/chat-connections.js';
import type { Db } from '../../../shared/store/db.js';
import { fixedClock } from '../../support/chat.js';
import { useDynamoTable } from '../../support/dynamodb.js';
import { testDb } from '../../support/inbound.js';

const table = useDynamoTable();
const api = mockClient(ApiGatewayManagementApiClient);
const sqs = mockClient(SQSClient);

const NOW = '2026-11-26T12:30:00.000Z';
const VISITOR = '01M8BWRRC00M5N6P7Q8R9S0T1V';
const FALLBACK_QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/carebridge-test-chat-fallback';
const nowSeconds = Date.parse(NOW) / 1000;

afterEach(() => {
  api.reset();
  sqs.reset();
});

function sender(db: Db, delaySeconds = 300) {
  return createChatSender({
    db,
    connections: new ApiGatewayManagementApiClient({
      endpoint: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
    }),
    emailFallback: {
      schedule: queueFallbackScheduler(new SQSClient({}), FALLBACK_QUEUE, delaySeconds),
      delaySeconds,
    },
    clock: fixedClock(NOW),
  });
}

function connection(connectionId: string, changes: Partial<ChatConnection> = {}): ChatConnection {
  return {
    connectionId,
    visitorId: VISITOR,
    connectedAt: '2026-11-26T12:20:05.000Z',
    expiresAt: nowSeconds + 3600,
    ...changes,
  };
}

function envelope(changes: Partial<OutboundEnvelope> = {}): OutboundEnvelope {
  return {
    interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
    conversationId: '01M8BWS0000000000000000001',
    customerId: '01M8BWS0000000000000000002',
    channel: 'chat',
    to: { kind: 'visitor', value: VISITOR },
    body: 'We refunded the second charge.',
    ...changes,
  };
}

function postedFrames() {
  return api.commandCalls(PostToConnectionCommand).map((call) => ({
    connectionId: call.args[0].input.ConnectionId,
    frame: JSON.parse(new TextDecoder().decode(call.args[0].input.Data as Uint8Array)),
  }));
}

describe('chat sender', () => {
  it('pushes the reply to every live connection of the visitor and reports it sent', async () => {
    // Prepare
    const db = testDb(table);
    await putChatConnection(db, connection('Aaaaaaaaaaaa='));
    await putChatConnection(db, connection('Bbbbbbbbbbbb=', { connectedAt: '2026-11-26T12:25:00.000Z' }));
    await putChatConnection(db, connection('Cccccccccccc=', { visitorId: '01M8BWRRC00000000000000000' }));
    api.on(PostToConnectionCommand).resolves({});

    // Act
    const receipt = await sender(db).send(envelope());

    // Assess
    expect(receipt).toEqual({
      providerMessageId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      status: 'sent',
      providerRefs: { chatDelivery: 'pushed:2' },
    });
    const frames = postedFrames();
    expect(frames.map((posted) => posted.connectionId).sort()).toEqual(['Aaaaaaaaaaaa=', 'Bbbbbbbbbbbb=']);
    expect(frames[0]?.frame).toEqual({
      type: 'message',
      message: {
        interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
        from: 'agent',
        body: 'We refunded the second charge.',
        sentAt: NOW,
      },
    });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('deletes a gone connection, keeps the reply queued and schedules the email fallback with the delay', async () => {
    // Prepare
    const db = testDb(table);
    await putChatConnection(db, connection('Gggggggggggg=', { email: 'ada@example.com' }));
    api
      .on(PostToConnectionCommand)
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    sqs.on(SendMessageCommand).resolves({ MessageId: 'fallback-1' });

    // Act
    const receipt = await sender(db, 420).send(envelope());

    // Assess
    expect(receipt.status).toBe('queued');
    expect(receipt.providerRefs).toEqual({
      chatDelivery: 'offline',
      emailFallbackDueAt: '2026-11-26T12:37:00.000Z',
    });
    expect(await getChatConnection(db, 'Gggggggggggg=')).toBeUndefined();
    const scheduled = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(scheduled?.QueueUrl).toBe(FALLBACK_QUEUE);
    expect(scheduled?.DelaySeconds).toBe(420);
    expect(JSON.parse(scheduled?.MessageBody ?? '{}')).toEqual({
      kind: 'chat-email-fallback',
      interactionId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      email: 'ada@example.com',
    });
  });

  it('takes the fallback address from the chat message being answered when no connection is left', async () => {
    const db = testDb(table);
    const answering: Interaction = {
      interactionId: '01M8BWS9E8Q7R6S5T4V3W2X1Y0',
      customerId: '01M8BWS0000000000000000002',
      conversationId: '01M8BWS0000000000000000001',
      direction: 'inbound',
      channel: 'chat',
      identities: [
        { kind: 'visitor', value: VISITOR, trust: 'verified' },
        { kind: 'email', value: 'ada@example.com', trust: 'claimed' },
      ],
      body: 'Hello?',
      attachments: [],
      providerMessageId: `${VISITOR}:m-1`,
      providerRefs: {},
      occurredAt: '2026-11-26T12:20:31.208Z',
      recordedAt: '2026-11-26T12:20:31.300Z',
    };
    sqs.on(SendMessageCommand).resolves({});

    const receipt = await sender(db).send(envelope({ inResponseTo: answering }));

    expect(receipt.status).toBe('queued');
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}').email).toBe(
      'ada@example.com',
    );
    expect(api.calls()).toHaveLength(0);
  });

  it('keeps the reply queued without a fallback when the visitor gave no email', async () => {
    const db = testDb(table);

    const receipt = await sender(db).send(envelope());

    expect(receipt).toMatchObject({ status: 'queued', providerRefs: { chatDelivery: 'offline' } });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('keeps the reply queued without a fallback when the deployment sends no email', async () => {
    const db = testDb(table);
    await putChatConnection(db, connection('Hhhhhhhhhhhh=', { email: 'ada@example.com' }));
    api
      .on(PostToConnectionCommand)
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }));
    const withoutEmail = createChatSender({
      db,
      connections: new ApiGatewayManagementApiClient({
        endpoint: 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod',
      }),
      clock: fixedClock(NOW),
    });

    const receipt = await withoutEmail.send(envelope());

    expect(receipt).toEqual({
      providerMessageId: '01M8BX4Q2D3E4F5G6H7J8K9M0N',
      status: 'queued',
      providerRefs: { chatDelivery: 'offline' },
    });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('ignores a connection past its expiry that TTL has not removed yet', async () => {
    const db = testDb(table);
    await putChatConnection(db, connection('Eeeeeeeeeeee=', { expiresAt: nowSeconds - 1 }));

    const receipt = await sender(db).send(envelope());

    expect(receipt.status).toBe('queued');
    expect(api.calls()).toHaveLength(0);
  });

  it('fails with DeliveryError when the only connection refuses for a reason other than gone', async () => {
    const db = testDb(table);
    await putChatConnection(db, connection('Ffffffffffff='));
    api
      .on(PostToConnectionCommand)
      .rejects(new ForbiddenException({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } }));

    await expect(sender(db).send(envelope())).rejects.toBeInstanceOf(DeliveryError);
    expect(await getChatConnection(db, 'Ffffffffffff=')).toBeDefined();
  });

  it('refuses an address that is not a visitor id', async () => {
    const db = testDb(table);

    await expect(
      sender(db).send(envelope({ to: { kind: 'email', value: 'ada@example.com' } })),
    ).rejects.toBeInstanceOf(DeliveryError);
  });
});
