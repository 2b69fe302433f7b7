import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { IdentityRef, InboundMessage } from '../../shared/schemas/index.js';
import { createDb, type Db } from '../../shared/store/db.js';
import type { DynamoTableContext } from './dynamodb.js';

/** A Db (the domain's table handle) over the test's emulator table. */
export function testDb(context: DynamoTableContext): Db {
  return createDb(context.tableName, {
    endpoint: context.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

let sequence = 0;

/** A canonical inbound message with sensible defaults; override what the test is about. */
export function inbound(identities: IdentityRef[], changes: Partial<InboundMessage> = {}): InboundMessage {
  sequence += 1;
  return {
    channel: 'webform',
    providerMessageId: `test-${process.pid}-${sequence}`,
    receivedAt: new Date(Date.UTC(2026, 10, 26, 12, 0, sequence % 60, sequence)).toISOString(),
    identities,
    body: `message ${sequence}`,
    attachments: [],
    providerRefs: {},
    ...changes,
  };
}

export const email = (value: string): IdentityRef => ({ kind: 'email', value });
export const phone = (value: string): IdentityRef => ({ kind: 'phone', value });

export const clock: Clock = systemClock;
