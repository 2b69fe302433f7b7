import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareTable } from '../../infra/lib/constructs/care-table.js';
import { TABLE_INDEXES, TABLE_KEYS } from '../../shared/store/table-definition.js';
import { inlineFunction, nagFindings, unbundledApp } from './support.js';

let table: CareTable;
let template: Template;
let throwAway: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'TableTest');
  table = new CareTable(stack, 'CareTable');
  table.bind(inlineFunction(stack, 'Reader'), 'read');
  table.bind(inlineFunction(stack, 'Writer'), 'write');
  template = Template.fromStack(stack);

  const devStack = new Stack(unbundledApp(), 'DevTableTest');
  new CareTable(devStack, 'CareTable', { retain: false });
  throwAway = Template.fromStack(devStack);
});

/** The statements of the policy attached to the role of function `id`. */
function statementsOf(id: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${id}ServiceRole`) }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('CareTable', () => {
  it('keys the table on string pk and sk and bills per request', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
    });
  });

  it('creates every index of the table definition with its keys and projection', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: TABLE_INDEXES.map((index) => ({
        IndexName: index.indexName,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'projection' in index ? index.projection : 'ALL' },
      })),
    });
  });

  it('turns on point-in-time recovery and TTL on the expiry attribute', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE_KEYS.ttlAttribute, Enabled: true },
    });
  });

  it('encrypts with a customer-managed key that rotates', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CareTableKey'), 'Arn'] },
      },
    });
  });

  it('retains the table and its key and protects the table from deletion by default', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  it('lets a throw-away stage delete the table', () => {
    throwAway.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('grants a reader Get, BatchGet and Query on the table and each index, and nothing that writes', () => {
    const tableArn = { 'Fn::GetAtt': [expect.stringMatching(/^CareTable/), 'Arn'] };
    expect(statementsOf('Reader')).toContainEqual({
      Effect: 'Allow',
      Action: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
      Resource: [
        tableArn,
        ...TABLE_INDEXES.map((index) => ({ 'Fn::Join': ['', [tableArn, `/index/${index.indexName}`]] })),
      ],
    });
    expect(JSON.stringify(statementsOf('Reader'))).not.toMatch(
      /PutItem|UpdateItem|DeleteItem|BatchWriteItem|Scan/,
    );
  });

  it('grants a writer put, update, delete, batch writes and condition checks too', () => {
    expect(statementsOf('Writer')).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining([
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ]),
      }),
    );
  });

  it('lets the key be used only through DynamoDB, to decrypt for a reader', () => {
    expect(statementsOf('Reader')).toContainEqual({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:DescribeKey'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^CareTableKey/), 'Arn'] },
      Condition: {
        StringEquals: { 'kms:ViaService': expect.objectContaining({ 'Fn::Join': expect.anything() }) },
      },
    });
  });

  it('grants no wildcard action or resource', () => {
    expect(JSON.stringify([...statementsOf('Reader'), ...statementsOf('Writer')])).not.toContain('*');
  });

  it('sets TABLE_NAME on a bound function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { TABLE_NAME: { Ref: Match.stringLikeRegexp('^CareTable') } } },
    });
  });

  it('leaves no AwsSolutions finding on the table and its key', () => {
    expect(nagFindings(table)).toEqual([]);
  });
});
