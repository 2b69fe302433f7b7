import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareFunction } from '../../infra/lib/constructs/care-function.js';
import { CareMonitoring } from '../../infra/lib/constructs/care-monitoring.js';
import { CareQueue } from '../../infra/lib/constructs/care-queue.js';
import { FailureQueue } from '../../infra/lib/constructs/failure-queue.js';
import { tierQueueServiceLevels } from '../../infra/lib/service-levels.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { nagFindings, unbundledApp } from './support.js';

let stack: Stack;
let monitoring: CareMonitoring;
/** The stack watched: its queues' and failure queues' own alarms. */
let watched: Template;
/** The monitoring's nested stack: topic, dashboard, alarms, metric filters. */
let template: Template;
let dashboardBody: string;

beforeAll(() => {
  stack = new Stack(unbundledApp(), 'MonitoringTest');
  const key = new Key(stack, 'Key', { enableKeyRotation: true });
  const fn = (id: string) =>
    new CareFunction(stack, id, { entry: 'test/infra/fixtures/echo-handler.ts', description: id });
  const functions = new Map([
    ['webform', fn('Webform')],
    ['route', fn('Route')],
  ]);
  const queue = (name: 'routing' | 'tier-e') =>
    new CareQueue(stack, `${name}Queue`, {
      queueName: name,
      fifo: name === 'tier-e',
      consumerTimeout: Duration.seconds(10),
      encryptionKey: key,
    });
  const queues = new Map([
    ['routing', queue('routing')],
    ['tier-e', queue('tier-e')],
  ] as const);
  new FailureQueue(stack, 'EmailInboundFailures', {
    purpose: 'email-inbound: failed events',
    encryptionKey: key,
  });

  monitoring = new CareMonitoring(stack, 'Monitoring', {
    queueServiceLevels: tierQueueServiceLevels(ROUTING_DEFINITION),
    alarmEmail: 'oncall@example.com',
    retain: false,
  });
  monitoring.monitorFunctions(functions);
  for (const [name, careQueue] of queues) monitoring.monitorQueue(name, careQueue);

  watched = Template.fromStack(stack);
  template = Template.fromStack(monitoring.stack);
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  dashboardBody = JSON.stringify(dashboard?.Properties.DashboardBody);
});

/** The alarm topic, as the monitoring stack refers to it. */
const topicRef = { Ref: Match.stringLikeRegexp('^AlarmTopic') };

describe('CareMonitoring', () => {
  it('notifies an encrypted, TLS-only topic that CloudWatch alarms of this account may publish to', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AlarmTopicKey'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: topicRef,
    });
  });

  it('gives every alarm of the stack the topic as its alarm and OK action, the queues’ own alarms too', () => {
    // An error rate per function (2) and the tier queue's age (1).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [topicRef], OKActions: [topicRef] },
      3,
    );

    // The dead-letter alarms of both queues and the failure queue's alarm, in the watched stack: the
    // topic reaches them as an output of the nested stack.
    const nestedTopic = {
      'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringResources'), Match.stringLikeRegexp('AlarmTopic')],
    };
    watched.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    watched.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { AlarmActions: [nestedTopic], OKActions: [nestedTopic] },
      3,
    );
  });

  it("alarms when a tier queue's oldest message has waited longer than the tier's tightest first response", () => {
    const eLevelMinutes = Math.min(
      ...Object.values(ROUTING_DEFINITION.serviceLevels.e).map((level) => level.firstResponseMinutes),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Namespace: 'AWS/SQS',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: eLevelMinutes * 60,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: Match.stringLikeRegexp('^carebridge tier-e'),
    });
    // The routing queue has no service level: no age alarm for it.
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).not.toMatch(
      /carebridge routing/,
    );
  });

  it("alarms when more than 5% of a function's invocations fail, counting handler errors it logged", () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^carebridge webform: more than 5%'),
      Threshold: 5,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'IF(invocations > 0, 100 * (FILL(errors, 0) + FILL(logged, 0)) / invocations, 0)',
        }),
        Match.objectLike({
          Id: 'logged',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'carebridge', MetricName: 'HandlerErrors' }),
          }),
        }),
      ]),
    });
    // Each function's log group counts its ERROR entries.
    template.resourcePropertiesCountIs(
      'AWS::Logs::MetricFilter',
      {
        FilterPattern: '{ $.level = "ERROR" }',
        MetricTransformations: [
          Match.objectLike({
            MetricNamespace: 'carebridge',
            MetricName: 'HandlerErrors',
            MetricValue: '1',
            Dimensions: Match.arrayWith([{ Key: 'function_name', Value: '$.function_name' }]),
          }),
        ],
      },
      2,
    );
  });

  it('puts per-channel volume, tier backlog and age, dead letters, SLA breaches and Lambda health on the dashboard', () => {
    for (const title of [
      'Messages in, per channel',
      'Messages out, per channel',
      'Routed, per tier',
      'Tier queues: backlog (messages waiting)',
      'Tier queues: oldest message (seconds) and service level',
      'SLA breaches, per tier',
      'Dead-letter and failure queues: messages waiting',
      'Lambda errors',
      'Lambda throttles',
      'Handler errors logged',
    ]) {
      expect(dashboardBody).toContain(title);
    }
    for (const channel of ['webform', 'email', 'sms', 'chat']) {
      expect(dashboardBody).toContain(`\\"MessagesIn\\",\\"channel\\",\\"${channel}\\"`);
    }
    expect(dashboardBody).toContain('ApproximateAgeOfOldestMessage');
    expect(dashboardBody).toContain('tier-e service level');
    // Both queues' dead-letter queues and the failure queue are charted.
    expect(dashboardBody).toContain('routing DLQ');
    expect(dashboardBody).toContain('tier-e DLQ');
    expect(dashboardBody).toContain('EmailInboundFailures');
  });

  it('leaves no AwsSolutions finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
