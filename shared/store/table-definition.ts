/**
 * The single table's physical shape, declared once. The CDK app builds the DynamoDB table from it and
 * the local stack creates the emulator's table from it, so both worlds share one definition.
 * Attribute names are generic (pk, sk, gsi1pk, ...); what they hold per entity is in ./keys.ts.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  entityAttribute: 'entity',
} as const;

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Why the index exists; copied into docs/data-model.md. */
  readonly purpose: string;
  /** Attributes the index holds; ALL when omitted. */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export const TABLE_INDEXES = [
  {
    indexName: 'gsi1',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
    purpose: "a customer's items: timeline (newest first), conversations, campaign enrolments",
  },
  {
    indexName: 'gsi2',
    partitionKey: 'gsi2pk',
    sortKey: 'gsi2sk',
    purpose:
      'work queues: open unassigned conversations by tier and skill (priority, then due time); held ones by tier and due time',
    // Keys only: a conversation update that keeps its queue position then costs no index write.
    projection: 'KEYS_ONLY',
  },
  {
    indexName: 'gsi3',
    partitionKey: 'gsi3pk',
    sortKey: 'gsi3sk',
    purpose: 'segments: customers by last-interaction date (one partition per month)',
    projection: 'KEYS_ONLY',
  },
] as const satisfies readonly IndexDefinition[];

export type IndexName = (typeof TABLE_INDEXES)[number]['indexName'];
