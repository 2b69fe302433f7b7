import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { InboundMessage, TrustedIdentity } from '../../shared/schemas/index.js';
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
export function inbound(
  identities: TrustedIdentity[],
  changes: Partial<InboundMessage> = {},
): InboundMessage {
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

/** An identity the channel proved (a DMARC-aligned email, an SMS sender, a site-signed claim). */
export const email = (value: string): TrustedIdentity => ({ kind: 'email', value, trust: 'verified' });
export const phone = (value: string): TrustedIdentity => ({ kind: 'phone', value, trust: 'verified' });
/** An identity merely typed in (an unsigned web form or chat session). */
export const claimedEmail = (value: string): TrustedIdentity => ({ kind: 'email', value, trust: 'claimed' });
export const claimedPhone = (value: string): TrustedIdentity => ({ kind: 'phone', value, trust: 'claimed' });

export const clock: Clock = systemClock;
