import {
  EventBridgeClient,
  EventBridgeServiceException,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AsyncFailure } from '../../local/async-invoker.js';
import { type BusEvent, type EventBus, type PublishedEvent, startEventBus } from '../../local/event-bus.js';
import { InvalidEventPatternError } from '../../local/event-pattern.js';

let bus: EventBus;
let client: EventBridgeClient;
let errors: string[];

beforeEach(async () => {
  errors = [];
  bus = await startEventBus({
    buses: ['carebridge-local'],
    retryDelaysMs: [10, 10],
    logSize: 5,
    onError: (message) => errors.push(message),
  });
  client = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: bus.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterEach(async () => {
  client.destroy();
  await bus.stop();
});

const opened = (conversationId: string, extra: Record<string, unknown> = {}) => ({
  EventBusName: 'carebridge-local',
  Source: 'carebridge.conversations',
  DetailType: 'conversation.opened',
  Detail: JSON.stringify({ conversationId, channel: 'email', ...extra }),
});

function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the request to be rejected');
    },
    (error: unknown) => error,
  );
}

describe('PutEvents', () => {
  it('accepts entries from the SDK client and answers their event ids', async () => {
    // Act
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...opened('c-1'), Time: new Date('2026-03-01T10:00:00Z'), Resources: ['arn:aws:dynamodb:x'] },
          opened('c-2'),
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    const ids = (result.Entries ?? []).map((entry) => entry.EventId);
    expect(ids).toEqual([expect.any(String), expect.any(String)]);
    expect(bus.events().map((published) => published.event.id)).toEqual(ids);
    expect(bus.events()[0]).toEqual({
      eventBusName: 'carebridge-local',
      event: {
        version: '0',
        id: ids[0],
        'detail-type': 'conversation.opened',
        source: 'carebridge.conversations',
        account: '000000000000',
        time: '2026-03-01T10:00:00Z',
        region: 'us-east-1',
        resources: ['arn:aws:dynamodb:x'],
        detail: { conversationId: 'c-1', channel: 'email' },
      },
    });
  });

  it('fails each bad entry on its own, as EventBridge does', async () => {
    // Act
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { DetailType: 'conversation.opened', Detail: '{}' },
          { Source: 'carebridge.conversations', Detail: '{}' },
          { Source: 'carebridge.conversations', DetailType: 'conversation.opened' },
          { Source: 'carebridge.conversations', DetailType: 'conversation.opened', Detail: '[1, 2]' },
          { Source: 'carebridge.conversations', DetailType: 'conversation.opened', Detail: '{"a":' },
          { Source: 'aws.dynamodb', DetailType: 'conversation.opened', Detail: '{}' },
          { ...opened('c-3'), EventBusName: 'nowhere' },
          opened('c-4'),
        ],
      }),
    );

    // Assess
    expect(result.FailedEntryCount).toBe(7);
    expect(result.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
      { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' },
      { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus nowhere does not exist.' },
      { EventId: expect.any(String) },
    ]);
    expect(bus.events()).toHaveLength(1);
  });

  it('refuses a request of no entries, of more than 10, or over 256 KB', async () => {
    // Act
    const none = await rejectionOf(client.send(new PutEventsCommand({ Entries: [] })));
    const eleven = await rejectionOf(
      client.send(
        new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, index) => opened(`c-${index}`)) }),
      ),
    );
    const large = await rejectionOf(
      client.send(
        new PutEventsCommand({
          Entries: [
            opened('c-1', { body: 'x'.repeat(140_000) }),
            opened('c-2', { body: 'x'.repeat(140_000) }),
          ],
        }),
      ),
    );

    // Assess
    for (const error of [none, eleven, large]) {
      expect(error).toBeInstanceOf(EventBridgeServiceException);
      expect(error).toHaveProperty('name', 'ValidationException');
    }
    expect(large).toHaveProperty('message', 'Total size of the entries in the request is over the limit.');
    expect(bus.events()).toEqual([]);
  });

  it('accepts a bus given by its ARN', async () => {
    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          {
            ...opened('c-1'),
            EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/carebridge-local',
          },
        ],
      }),
    );

    // Assess
    expect(bus.events().map((published) => published.eventBusName)).toEqual(['carebridge-local']);
  });

  it('keeps the newest events, also served as JSON at GET /events', async () => {
    // Prepare
    for (let index = 0; index < 7; index++) {
      await client.send(new PutEventsCommand({ Entries: [opened(`c-${index}`)] }));
    }

    // Act
    const response = await fetch(`${bus.endpoint}/events`);
    const body: unknown = await response.json();

    // Assess
    const conversations = (events: readonly PublishedEvent[]) =>
      events.map((published) => Reflect.get(Object(published.event.detail), 'conversationId'));
    expect(conversations(bus.events())).toEqual(['c-2', 'c-3', 'c-4', 'c-5', 'c-6']);
    expect(response.status).toBe(200);
    expect(body).toEqual({ events: bus.events() });
  });
});

describe('rules', () => {
  it('delivers each event to the subscriptions whose pattern matches it, on their bus', async () => {
    // Prepare
    const received: Record<string, BusEvent[]> = { opened: [], email: [], anyConversation: [], otherBus: [] };
    const subscribe = (name: string, pattern: unknown, busName = 'carebridge-local') =>
      bus.subscribe({
        name,
        busName,
        pattern,
        handler: async (event) => {
          received[name]?.push(event);
        },
      });
    subscribe('opened', { source: ['carebridge.conversations'], 'detail-type': ['conversation.opened'] });
    subscribe('email', { detail: { channel: ['email'], conversationId: [{ prefix: 'c-1' }] } });
    subscribe('anyConversation', { 'detail-type': [{ prefix: 'conversation.' }] });
    subscribe('otherBus', { source: ['carebridge.conversations'] }, 'default');

    // Act
    await client.send(
      new PutEventsCommand({
        Entries: [
          opened('c-10'),
          { ...opened('c-11', { channel: 'sms' }), DetailType: 'conversation.assigned' },
          { ...opened('c-20'), Source: 'carebridge.customers', DetailType: 'customer.merged' },
        ],
      }),
    );
    await bus.idle();

    // Assess
    const ids = (name: string) =>
      (received[name] ?? []).map((event) => Reflect.get(Object(event.detail), 'conversationId'));
    expect(ids('opened')).toEqual(['c-10']);
    expect(ids('email')).toEqual(['c-10']);
    expect(ids('anyConversation').sort()).toEqual(['c-10', 'c-11']);
    expect(ids('otherBus')).toEqual([]);
    expect(received.opened?.[0]).toMatchObject({
      version: '0',
      account: '000000000000',
      region: 'us-east-1',
    });
  });

  it('retries a failing target twice, then hands the event to its failure destination', async () => {
    // Prepare
    let attempts = 0;
    const failures: [BusEvent, AsyncFailure][] = [];
    bus.subscribe({
      name: 'carebridge-notify',
      busName: 'carebridge-local',
      pattern: { source: ['carebridge.conversations'] },
      handler: async () => {
        attempts++;
        throw new Error('target down');
      },
      onFailure: async (event, failure) => {
        failures.push([event, failure]);
      },
    });

    // Act
    const result = await client.send(new PutEventsCommand({ Entries: [opened('c-1')] }));
    await bus.idle();

    // Assess
    expect(attempts).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.[0].id).toBe(result.Entries?.[0]?.EventId);
    expect(failures[0]?.[1].attempts).toBe(3);
    expect(errors).toHaveLength(3);
  });

  it('stops delivering to a removed subscription', async () => {
    // Prepare
    const received: BusEvent[] = [];
    const unsubscribe = bus.subscribe({
      name: 'carebridge-notify',
      busName: 'carebridge-local',
      pattern: { source: ['carebridge.conversations'] },
      handler: async (event) => {
        received.push(event);
      },
    });

    // Act
    unsubscribe();
    await client.send(new PutEventsCommand({ Entries: [opened('c-1')] }));
    await bus.idle();

    // Assess
    expect(received).toEqual([]);
  });

  it('refuses an invalid pattern when subscribing', () => {
    expect(() =>
      bus.subscribe({
        name: 'bad',
        pattern: { source: 'carebridge.conversations' },
        handler: async () => undefined,
      }),
    ).toThrow(InvalidEventPatternError);
  });
});
