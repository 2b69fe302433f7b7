import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPORT_FUNCTIONS } from '../../functions/manifest/reports.js';
import { CareTable } from '../../infra/lib/constructs/care-table.js';
import { compileFilterCriteria } from '../../local/event-pattern.js';
import { inlineFunction, unbundledApp } from './support.js';

/**
 * A stream consumer of several partition-key prefixes (the report aggregator): one filter whose values are
 * alternatives, which the local stack's event source applies with the same result.
 */

const aggregator = REPORT_FUNCTIONS.find((fn) => fn.name === 'reports-aggregate');
const prefixes = aggregator?.kind === 'stream' ? aggregator.partitionKeyPrefixes : [];
let template: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'StreamTest');
  const table = new CareTable(stack, 'CareTable');
  table.addStreamConsumer(inlineFunction(stack, 'Aggregator'), {
    batchSize: 100,
    partitionKeyPrefixes: prefixes,
    onFailure: new SqsDlq(new Queue(stack, 'Failures', { enforceSSL: true })),
  });
  template = Template.fromStack(stack);
});

describe('a stream consumer of several prefixes', () => {
  it('filters the mapping to conversation, interaction and campaign items', () => {
    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              dynamodb: {
                Keys: {
                  pk: { S: [{ prefix: 'CONVERSATION#' }, { prefix: 'MESSAGE#' }, { prefix: 'CAMPAIGN#' }] },
                },
              },
            }),
          },
        ],
      },
    });
  });

  it('lets the same records through locally as the synthesized filter does', () => {
    // Prepare
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0];
    const matches = compileFilterCriteria(mapping?.Properties.FilterCriteria.Filters);
    const change = (pk: string) => ({ dynamodb: { Keys: { pk: { S: pk }, sk: { S: 'X' } } } });

    // Assess
    expect(
      ['CONVERSATION#01J', 'MESSAGE#sms#SM1', 'CAMPAIGN#01J', 'CUSTOMER#01J', 'REPORT#2026-11'].map((pk) =>
        matches(change(pk)),
      ),
    ).toEqual([true, true, true, false, false]);
  });
});
