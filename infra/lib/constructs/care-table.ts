import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  FilterCriteria,
  FilterRule,
  type IEventSourceDlq,
  type Function as LambdaFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { ENV } from '../../../functions/manifest.js';
import { type IndexDefinition, TABLE_INDEXES, TABLE_KEYS } from '../../../shared/store/table-definition.js';
import { acknowledgeWildcardResource } from '../nag.js';

/** What a function may do with the table; `scan` is `read` plus Scan, for the routing dry run only. */
export type TableAccess = 'read' | 'scan' | 'write';

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const SCAN_ACTIONS = [...READ_ACTIONS, 'dynamodb:Scan'];
// Transactions are authorized per contained operation (Put, Update, Delete, ConditionCheck), so
// TransactWriteItems needs no action of its own.
const WRITE_ACTIONS = [
  ...READ_ACTIONS,
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];
// What DynamoDB asks KMS for on the caller's behalf; spelled out rather than `ReEncrypt*` and
// `GenerateDataKey*` so that no wildcard action is granted.
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [
  ...KEY_READ_ACTIONS,
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

export interface CareTableProps {
  /**
   * Keep the table and its key when the stack is deleted or the resource is replaced, and turn on
   * deletion protection. Turn off only for throw-away stages.
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * The single customer/interaction table, built from shared/store/table-definition.ts: on-demand,
 * point-in-time recovery, TTL, encrypted with a customer-managed key (rotated yearly) that the
 * stack also uses for the queues carrying customer data.
 */
export class CareTable extends Construct {
  readonly table: Table;
  /** Customer-managed key of the table; share it with other stores of customer data. */
  readonly encryptionKey: Key;

  constructor(scope: Construct, id: string, props: CareTableProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.encryptionKey = new Key(this, 'Key', {
      description: 'carebridge customer data at rest (table and queues)',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_KEYS.ttlAttribute,
      // Domain events are derived from each change of a conversation (functions/events/publish.ts).
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      deletionProtection: retain,
      removalPolicy,
    });
    const indexes: readonly IndexDefinition[] = TABLE_INDEXES;
    for (const index of indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: index.projection === 'KEYS_ONLY' ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
      });
    }
  }

  /**
   * Lets `fn` read (GetItem, BatchGetItem, Query) or also write (Put/Update/Delete, batch writes,
   * transactions) the table and each named index, grants the matching use of the key through
   * DynamoDB only, and sets the table name in the function's environment.
   */
  bind(fn: LambdaFunction, access: TableAccess): void {
    const indexes: readonly IndexDefinition[] = TABLE_INDEXES;
    Grant.addToPrincipal({
      grantee: fn,
      actions: access === 'write' ? WRITE_ACTIONS : access === 'scan' ? SCAN_ACTIONS : READ_ACTIONS,
      // Each index by name rather than `/index/*`, so the policy has no wildcard resource.
      resourceArns: [
        this.table.tableArn,
        ...indexes.map((index) => `${this.table.tableArn}/index/${index.indexName}`),
      ],
    });
    Grant.addToPrincipal({
      grantee: fn,
      actions: access === 'write' ? KEY_WRITE_ACTIONS : KEY_READ_ACTIONS,
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
    });
    fn.addEnvironment(ENV.table, this.table.tableName);
  }

  /**
   * Makes `fn` a consumer of the table's change stream, for the items whose partition key starts with
   * one of `partitionKeyPrefixes` only (Lambda event filtering: other changes cost no invocation). Partial batch
   * responses retry from the first failed record, so one item's changes stay in order; a record that
   * still fails after the retries goes to `onFailure` with its stream position.
   */
  addStreamConsumer(
    fn: LambdaFunction,
    options: {
      readonly batchSize: number;
      readonly partitionKeyPrefixes: readonly string[];
      readonly onFailure: IEventSourceDlq;
    },
  ): void {
    fn.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: options.batchSize,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: 10,
        onFailure: options.onFailure,
        filters: [
          FilterCriteria.filter({
            dynamodb: {
              // One pattern whose values are alternatives: a key with any of the prefixes passes.
              Keys: {
                [TABLE_KEYS.partitionKey]: {
                  S: options.partitionKeyPrefixes.flatMap((prefix) => FilterRule.beginsWith(prefix)),
                },
              },
            },
          }),
        ],
      }),
    );
    acknowledgeWildcardResource(
      fn.role,
      '*',
      "dynamodb:ListStreams, which a Lambda event source mapping on a DynamoDB stream needs, has no resource-level permissions; the stream reads themselves are granted on this table's stream only.",
    );
  }
}
