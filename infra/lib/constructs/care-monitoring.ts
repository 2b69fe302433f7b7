import {
  Aspects,
  Aws,
  CfnParameter,
  Duration,
  type IAspect,
  NestedStack,
  RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  LegendPosition,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { METRICS } from '../../../functions/lib/metric-names.js';
import type { QueueName } from '../../../functions/manifest.js';
import type { CareFunction } from './care-function.js';
import type { CareQueue } from './care-queue.js';
import { FailureQueue } from './failure-queue.js';

/** The channels and tiers carebridge's own metrics are broken down by (shared/schemas/common.ts). */
const CHANNELS = ['webform', 'email', 'sms', 'chat'] as const;
const TIERS = ['e', '1', '2', '3'] as const;

/** Functions per graph of the Lambda widgets: a graph stays readable, and well within CloudWatch's limits. */
const FUNCTIONS_PER_GRAPH = 20;
/** CloudFormation's most parameters per template: each resource of the stack watched here is one. */
const MAX_TEMPLATE_PARAMETERS = 200;
/** Share of a function's invocations that may fail before its error-rate alarm fires. */
const ERROR_RATE_PERCENT = 5;
const FIVE_MINUTES = Duration.minutes(5);

export interface CareMonitoringProps {
  /**
   * The longest a message may wait in each queue that has a service level: a tier queue's tightest
   * first-response time (infra/lib/service-levels.ts). Those queues get an age alarm and a line on the
   * tiers' graphs.
   */
  readonly queueServiceLevels: ReadonlyMap<QueueName, Duration>;
  /**
   * An address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription: subscribe the on-call tool to the `AlarmTopicArn` output
   */
  readonly alarmEmail?: string;
  /**
   * Keep the topic's key when the stack is deleted.
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * What an operator watches, in a nested stack of its own (two resources per function would otherwise
 * count against the stack's 500; what it watches in the stack reaches it as parameters): a dashboard (messages in and out per channel, routing per tier, each tier
 * queue's backlog and oldest message against its service level, dead-letter depth, SLA breaches, campaign
 * outcomes, Lambda errors and throttles, handler errors), and an encrypted SNS topic that every alarm of
 * the stack notifies, in alarm and back to OK: the dead-letter and failure queues' alarms, a tier queue
 * whose oldest message is older than its service level, and each function's error rate.
 */
export class CareMonitoring extends Construct {
  /** Where the topic, dashboard, alarms and metric filters live. */
  readonly stack: NestedStack;
  readonly alarmTopic: Topic;
  readonly encryptionKey: Key;
  readonly dashboard: Dashboard;
  private readonly alarmAction: SnsAction;
  private readonly queueServiceLevels: ReadonlyMap<QueueName, Duration>;
  private readonly tierBacklog: GraphWidget;
  private readonly tierAge: GraphWidget;
  private readonly otherQueues: GraphWidget;
  private readonly deadLetters: GraphWidget;

  constructor(scope: Construct, id: string, props: CareMonitoringProps) {
    super(scope, id);
    this.queueServiceLevels = props.queueServiceLevels;
    const stack = Stack.of(this);
    this.stack = new NestedStack(this, 'Resources', {
      description: `carebridge ${stack.stackName}: dashboard, alarms and their topic`,
    });
    this.stack.node.addValidation({
      validate: () => {
        const parameters = this.stack.node.findAll().filter((c) => c instanceof CfnParameter).length;
        return parameters > MAX_TEMPLATE_PARAMETERS
          ? [
              `the monitoring stack takes ${parameters} parameters, CloudFormation allows ${MAX_TEMPLATE_PARAMETERS}: split its functions across more nested stacks`,
            ]
          : [];
      },
    });

    this.encryptionKey = new Key(this.stack, 'AlarmTopicKey', {
      description: 'carebridge alarm notifications',
      enableKeyRotation: true,
      removalPolicy: (props.retain ?? true) ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.alarmTopic = new Topic(this.stack, 'AlarmTopic', {
      displayName: `carebridge alarms (${stack.stackName})`,
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    // CloudWatch publishes alarm notifications as a service: the topic's policy (which replaces SNS's
    // default one) and its key's policy must admit it, for alarms of this account and region only.
    const fromAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:cloudwatch:${Aws.REGION}:${Aws.ACCOUNT_ID}:alarm:*` },
    };
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: fromAlarms,
      }),
    );
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        principals: [cloudWatch],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromAlarms,
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.alarmAction = new SnsAction(this.alarmTopic);

    this.dashboard = new Dashboard(this.stack, 'Dashboard', {
      dashboardName: stack.stackName,
      defaultInterval: Duration.hours(6),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# carebridge (${stack.stackName})\nCounts are sums per 5 minutes. Alarms notify the \`AlarmTopicArn\` topic; what each means and what to do: docs/operations.md.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Messages in, per channel', byDimension(METRICS.messagesIn, 'channel', CHANNELS)),
      graph('Messages out, per channel', byDimension(METRICS.messagesOut, 'channel', CHANNELS)),
      graph('Routed, per tier', byDimension(METRICS.routed, 'tier', TIERS)),
    );
    this.tierBacklog = graph('Tier queues: backlog (messages waiting)', []);
    this.tierAge = new GraphWidget({
      title: 'Tier queues: oldest message (seconds) and service level',
      width: 8,
      leftYAxis: { min: 0 },
      leftAnnotations: [...this.queueServiceLevels].map(([queue, level]) => ({
        value: level.toSeconds(),
        label: `${queue} service level`,
      })),
    });
    this.dashboard.addWidgets(
      this.tierBacklog,
      this.tierAge,
      graph('SLA breaches, per tier', byDimension(METRICS.slaBreaches, 'tier', TIERS)),
    );
    this.otherQueues = graph('Other queues: backlog', []);
    this.deadLetters = graph('Dead-letter and failure queues: messages waiting', []);
    this.dashboard.addWidgets(
      this.otherQueues,
      this.deadLetters,
      graph('Campaigns: sent and suppressed', [
        ownMetric(METRICS.campaignSends, {}, 'sent'),
        ownMetric(METRICS.campaignSuppressions, {}, 'suppressed'),
      ]),
    );

    // Every alarm of the stack notifies the topic, and every failure queue shows on the dead-letter graph,
    // wherever the stack creates them (queues, topics' dead-letter queues, on-failure destinations).
    Aspects.of(stack).add(new NotifyAndChart(this));
  }

  /**
   * Watches a work queue: its backlog (a tier's, with an alarm when its oldest message waits longer than
   * the tier's service level), and its dead-letter queue's depth, whose alarm CareQueue creates.
   */
  monitorQueue(name: QueueName, queue: CareQueue): void {
    const visible = queue.queue.metricApproximateNumberOfMessagesVisible({
      period: FIVE_MINUTES,
      statistic: 'Maximum',
      label: name,
    });
    const serviceLevel = this.queueServiceLevels.get(name);
    if (serviceLevel) {
      this.tierBacklog.addLeftMetric(visible);
      const age = queue.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      });
      this.tierAge.addLeftMetric(age.with({ label: name }));
      age.createAlarm(this.stack, `${name}-age`, {
        alarmName: `${Stack.of(this).stackName}-${name}-age`,
        alarmDescription: `carebridge ${name}: its oldest message has waited longer than the tier's service level (${serviceLevel.toMinutes()} min), so concerns are breaching before anyone sees them`,
        threshold: serviceLevel.toSeconds(),
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    } else {
      this.otherQueues.addLeftMetric(visible);
    }
    this.chartDeadLetters(queue.deadLetterQueue, `${name} DLQ`);
  }

  /**
   * Watches the functions, by manifest name: Lambda errors and throttles and the handler errors logged
   * (a metric filter on each log group counts its ERROR entries), in graphs of FUNCTIONS_PER_GRAPH, and an
   * alarm per function when more than ERROR_RATE_PERCENT of its invocations fail in two of three
   * 5-minute periods (Lambda errors plus logged handler errors, such as an HTTP 500, over invocations).
   */
  monitorFunctions(functions: ReadonlyMap<string, CareFunction>): void {
    const entries = [...functions];
    for (let start = 0; start < entries.length; start += FUNCTIONS_PER_GRAPH) {
      const chunk = entries.slice(start, start + FUNCTIONS_PER_GRAPH);
      const part =
        entries.length > FUNCTIONS_PER_GRAPH
          ? ` (${start / FUNCTIONS_PER_GRAPH + 1}/${Math.ceil(entries.length / FUNCTIONS_PER_GRAPH)})`
          : '';
      this.dashboard.addWidgets(
        graph(
          `Lambda errors${part}`,
          chunk.map(([name, fn]) => fn.function.metricErrors({ period: FIVE_MINUTES, label: name })),
        ),
        graph(
          `Lambda throttles${part}`,
          chunk.map(([name, fn]) => fn.function.metricThrottles({ period: FIVE_MINUTES, label: name })),
        ),
        graph(
          `Handler errors logged${part}`,
          chunk.map(([name, fn]) => handlerErrors(fn, name)),
        ),
      );
    }
    for (const [name, fn] of entries) this.watchErrorRate(name, fn);
  }

  private watchErrorRate(name: string, fn: CareFunction): void {
    new MetricFilter(this.stack, `${name}-handler-errors`, {
      logGroup: fn.logGroup,
      filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: METRICS.namespace,
      metricName: METRICS.handlerErrors,
      metricValue: '1',
      dimensions: { service: '$.service', function_name: '$.function_name' },
    });
    new MathExpression({
      expression: 'IF(invocations > 0, 100 * (FILL(errors, 0) + FILL(logged, 0)) / invocations, 0)',
      usingMetrics: {
        invocations: fn.function.metricInvocations({ period: FIVE_MINUTES }),
        errors: fn.function.metricErrors({ period: FIVE_MINUTES }),
        logged: handlerErrors(fn, name),
      },
      period: FIVE_MINUTES,
      label: `${name} error rate (%)`,
    }).createAlarm(this.stack, `${name}-error-rate`, {
      alarmName: `${Stack.of(this).stackName}-${name}-error-rate`,
      alarmDescription: `carebridge ${name}: more than ${ERROR_RATE_PERCENT}% of invocations failed (Lambda errors plus handler errors logged) in 2 of the last 3 five-minute periods`,
      threshold: ERROR_RATE_PERCENT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Notifies the topic when `alarm` fires and when it is back to OK (once per alarm). */
  notifyOn(alarm: Alarm): void {
    alarm.addAlarmAction(this.alarmAction);
    alarm.addOkAction(this.alarmAction);
  }

  /** Adds a dead-letter or failure queue's depth to the dead-letter graph. */
  chartDeadLetters(queue: IQueue, label: string): void {
    this.deadLetters.addLeftMetric(
      queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum', label }),
    );
  }
}

/** Gives every alarm of the stack the topic's actions and charts every failure queue, at synthesis. */
class NotifyAndChart implements IAspect {
  private readonly seen = new WeakSet<IConstruct>();

  constructor(private readonly monitoring: CareMonitoring) {}

  visit(node: IConstruct): void {
    if (this.seen.has(node)) return;
    this.seen.add(node);
    if (node instanceof Alarm) this.monitoring.notifyOn(node);
    if (node instanceof FailureQueue) this.monitoring.chartDeadLetters(node.queue, failureLabel(node));
  }
}

/** The failure queue's construct path below the stack: `EmailInboundFailures`, `Sms/Inbound/SubscriptionDeadLetterQueue`. */
function failureLabel(queue: FailureQueue): string {
  return queue.node.path.split('/').slice(1).join('/');
}

function graph(title: string, metrics: IMetric[]): GraphWidget {
  return new GraphWidget({
    title,
    width: 8,
    left: metrics,
    leftYAxis: { min: 0 },
    legendPosition: LegendPosition.BOTTOM,
  });
}

function ownMetric(name: string, dimensions: Record<string, string>, label: string): Metric {
  return new Metric({
    namespace: METRICS.namespace,
    metricName: name,
    dimensionsMap: { service: METRICS.service, ...dimensions },
    statistic: 'Sum',
    period: FIVE_MINUTES,
    label,
  });
}

function byDimension(name: string, dimension: string, values: readonly string[]): Metric[] {
  return values.map((value) => ownMetric(name, { [dimension]: value }, value));
}

/** The ERROR entries a function logged (the metric filter's metric), under its manifest name. */
function handlerErrors(fn: CareFunction, name: string): Metric {
  return ownMetric(METRICS.handlerErrors, { function_name: fn.function.functionName }, name);
}
