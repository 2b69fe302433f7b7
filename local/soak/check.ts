import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { SentMessage } from './drive.js';
import { expectedComponents, identitiesOf, markerOf, type SoakPlan } from './plan.js';
import {
  checkReplies,
  deliveriesPerReply,
  type ReplyCheck,
  type ReplyRequestOutcome,
  replyMarkerOf,
} from './replies.js';
import type { SoakTarget } from './target.js';

/**
 * Checks a soak's invariants from the store and the queues, not from what the handlers answered:
 * every acknowledged message is on its customer's timeline exactly once; the identities that messages
 * carried together belong to one customer, and distinct groups to distinct customers; the main queues
 * drained and nothing sits in a dead-letter or failure queue.
 */

export interface SoakCheck {
  /** Distinct soak messages found as inbound interactions. */
  readonly recorded: number;
  /** Interactions beyond the first for one message. */
  readonly duplicated: number;
  /** Acknowledged messages with no interaction. */
  readonly lost: number;
  /** Messages recorded on a customer other than the one their identities resolve to. */
  readonly misfiled: number;
  readonly customersExpected: number;
  readonly customersFound: number;
  /** Groups of identities spread over more than one customer; customers holding more than one group. */
  readonly splitGroups: number;
  readonly fusedCustomers: number;
  /** Messages per dead-letter or failure queue, only those with any. */
  readonly deadLettered: Readonly<Record<string, number>>;
  /** Messages still on a main queue (in flight or waiting) when checked. */
  readonly pendingInQueues: number;
  /** Per recorded message: when it was recorded minus when its first attempt started. */
  readonly latenciesMs: readonly number[];
  /** Per recorded message, the conversation it joined (the reply phase answers some of them). */
  readonly conversationOf: ReadonlyMap<number, string>;
  /** The reply invariants, when replies were sent. */
  readonly replies?: ReplyCheck;
}

const ScannedSchema = z.looseObject({
  entity: z.string().optional(),
  // Interactions
  direction: z.string().optional(),
  body: z.string().optional(),
  recordedAt: z.string().optional(),
  customerId: z.string().optional(),
  conversationId: z.string().optional(),
  providerRefs: z.record(z.string(), z.unknown()).optional(),
  // Identities
  kind: z.string().optional(),
  value: z.string().optional(),
  // Customers
  mergedInto: z.string().optional(),
});

/** Reads the table and the queues once and measures the invariants. */
export async function checkSoak(
  info: SoakTarget,
  plan: SoakPlan,
  sent: readonly SentMessage[],
  replies?: readonly ReplyRequestOutcome[],
): Promise<SoakCheck> {
  const config = {
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The checker reads through the same faults (throttling) as the handlers.
    maxAttempts: 10,
  };
  const client = new DynamoDBClient({ ...config, endpoint: info.dynamodb.endpoint });
  const sqs = new SQSClient({ ...config, endpoint: info.sqs.endpoint });
  try {
    const store = await readStore(DynamoDBDocumentClient.from(client), info.dynamodb.tableName, plan.run);
    const queues = await queueDepths(sqs, info.sqs.queues);
    const measured = measure(plan, sent, store, queues);
    if (replies === undefined || replies.length === 0) return measured;
    const delivered = await deliveriesPerReply(info, plan.run);
    return { ...measured, replies: checkReplies(replies, store.replies, delivered) };
  } finally {
    client.destroy();
    sqs.destroy();
  }
}

interface StoreView {
  /** Per soak message number: each inbound interaction carrying its marker. */
  readonly interactions: Map<number, { customerId: string; conversationId: string; recordedAt: string }[]>;
  /** Per reply number: outbound interactions recording it (an email fallback is not a second one). */
  readonly replies: Map<number, number>;
  /** Identity (`kind:value`) to its owner. */
  readonly owners: Map<string, string>;
  /** Customer to the customer it was merged into. */
  readonly mergedInto: Map<string, string>;
}

async function readStore(doc: DynamoDBDocumentClient, tableName: string, run: string): Promise<StoreView> {
  const view: StoreView = {
    interactions: new Map(),
    replies: new Map(),
    owners: new Map(),
    mergedInto: new Map(),
  };
  for await (const page of paginateScan(
    { client: doc, pageSize: 1_000 },
    { TableName: tableName, ConsistentRead: true },
  )) {
    for (const raw of page.Items ?? []) {
      const parsed = ScannedSchema.safeParse(raw);
      if (!parsed.success) continue;
      const item = parsed.data;
      if (item.entity === 'interaction' && item.direction === 'inbound' && item.body && item.customerId) {
        const n = markerOf(run, item.body);
        if (n === undefined) continue;
        const list = view.interactions.get(n) ?? [];
        list.push({
          customerId: item.customerId,
          conversationId: item.conversationId ?? '',
          recordedAt: item.recordedAt ?? '',
        });
        view.interactions.set(n, list);
      } else if (item.entity === 'interaction' && item.direction === 'outbound' && item.body) {
        const k = replyMarkerOf(run, item.body);
        if (k === undefined || item.providerRefs?.fallbackFor !== undefined) continue;
        view.replies.set(k, (view.replies.get(k) ?? 0) + 1);
      } else if (item.entity === 'identity' && item.kind && item.value && item.customerId) {
        view.owners.set(`${item.kind}:${item.value}`, item.customerId);
      } else if (item.entity === 'customer' && item.customerId && item.mergedInto) {
        view.mergedInto.set(item.customerId, item.mergedInto);
      }
    }
  }
  return view;
}

interface QueueDepths {
  readonly deadLettered: Record<string, number>;
  readonly pending: number;
}

async function queueDepths(sqs: SQSClient, queues: Readonly<Record<string, string>>): Promise<QueueDepths> {
  const deadLettered: Record<string, number> = {};
  let pending = 0;
  for (const [name, url] of Object.entries(queues)) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const count =
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
    if (/(Dlq|Failures)$/.test(name)) {
      if (count > 0) deadLettered[name] = count;
    } else {
      pending += count;
    }
  }
  return { deadLettered, pending };
}

function measure(
  plan: SoakPlan,
  sent: readonly SentMessage[],
  store: StoreView,
  queues: QueueDepths,
): SoakCheck {
  const finalCustomer = (customerId: string): string => {
    let current = customerId;
    for (let hops = 0; hops < 100; hops++) {
      const next = store.mergedInto.get(current);
      if (next === undefined) return current;
      current = next;
    }
    return current;
  };

  const acknowledged = sent.filter((message) => message.outcome === 'acknowledged');
  const attempted = new Set(sent.map((message) => message.n));
  const sentMessages = plan.messages.filter((message) => attempted.has(message.n));
  // A message given up on may still have been recorded (a crash after its write): what the store holds
  // or the channel acknowledged is what joins identities.
  const delivered = new Set(acknowledged.map((message) => message.n));
  const components = expectedComponents(
    sentMessages.filter((message) => delivered.has(message.n) || store.interactions.has(message.n)),
  );

  // Each group of identities should map to exactly one customer, and each customer to one group.
  const customersOfGroup = new Map<string, Set<string>>();
  const groupsOfCustomer = new Map<string, Set<string>>();
  for (const [identity, group] of components) {
    const owner = store.owners.get(identity);
    if (owner === undefined) continue;
    const customer = finalCustomer(owner);
    customersOfGroup.set(group, (customersOfGroup.get(group) ?? new Set()).add(customer));
    groupsOfCustomer.set(customer, (groupsOfCustomer.get(customer) ?? new Set()).add(group));
  }
  const customerOfGroup = (group: string) => {
    const customers = customersOfGroup.get(group);
    return customers?.size === 1 ? [...customers][0] : undefined;
  };

  let recorded = 0;
  let duplicated = 0;
  let lost = 0;
  let misfiled = 0;
  const latenciesMs: number[] = [];
  const sentAt = new Map(sent.map((message) => [message.n, message.sentAt]));
  for (const message of sentMessages) {
    const found = store.interactions.get(message.n) ?? [];
    if (found.length === 0) continue;
    recorded += 1;
    duplicated += found.length - 1;
    const [first] = found;
    const group = components.get(identitiesOf(message)[0] ?? '');
    if (first && group && finalCustomer(first.customerId) !== customerOfGroup(group)) misfiled += 1;
    const started = sentAt.get(message.n);
    const at = Date.parse(first?.recordedAt ?? '');
    if (started !== undefined && Number.isFinite(at)) latenciesMs.push(Math.max(0, at - started));
  }
  for (const message of acknowledged) {
    if ((store.interactions.get(message.n) ?? []).length === 0) lost += 1;
  }

  return {
    recorded,
    duplicated,
    lost,
    misfiled,
    customersExpected: new Set(components.values()).size,
    customersFound: groupsOfCustomer.size,
    splitGroups: [...customersOfGroup.values()].filter((customers) => customers.size > 1).length,
    fusedCustomers: [...groupsOfCustomer.values()].filter((groups) => groups.size > 1).length,
    deadLettered: queues.deadLettered,
    pendingInQueues: queues.pending,
    latenciesMs,
    conversationOf: new Map(
      [...store.interactions].flatMap(([n, found]) =>
        found[0] ? [[n, found[0].conversationId] as const] : [],
      ),
    ),
  };
}
