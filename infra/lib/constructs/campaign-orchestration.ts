import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV } from '../../../functions/manifest.js';
import { campaignStateMachineDefinition } from '../campaign-state-machine.js';
import { acknowledgeWildcardResource } from '../nag.js';

/** The task ARNs as Step Functions definition substitutions (`DefinitionSubstitutions` fills them in). */
const SUBSTITUTED = {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a definition substitution, not a template string.
  enrol: '${Enrol}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a definition substitution, not a template string.
  wave: '${SendWave}',
};

export interface CampaignOrchestrationProps {
  /** The functions of the Task states. */
  readonly enrol: IFunction;
  readonly wave: IFunction;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The campaign state machine (Standard workflow): the Amazon States Language document of
 * infra/lib/campaign-state-machine.ts with the task functions' ARNs substituted, the very document the
 * local stack runs. Logs every event to its own log group (no execution data: inputs carry ids only,
 * but stay out of logs anyway), traced with X-Ray.
 */
export class CampaignOrchestration extends Construct {
  readonly stateMachine: StateMachine;

  constructor(scope: Construct, id: string, props: CampaignOrchestrationProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      comment: 'carebridge campaigns: one execution per launched campaign (docs/campaigns.md)',
      definitionBody: DefinitionBody.fromString(JSON.stringify(campaignStateMachineDefinition(SUBSTITUTED))),
      definitionSubstitutions: { Enrol: props.enrol.functionArn, SendWave: props.wave.functionArn },
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    // Exactly the two functions, without the `:*` version wildcard grantInvoke adds.
    Grant.addToPrincipal({
      grantee: this.stateMachine,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [props.enrol.functionArn, props.wave.functionArn],
    });
    acknowledgeWildcardResource(
      this.stateMachine.role,
      '*',
      'Step Functions delivers execution logs through CloudWatch Logs log delivery and traces to X-Ray; neither logs:*LogDelivery, logs:DescribeResourcePolicies/LogGroups nor xray:PutTraceSegments and friends support resource-level permissions.',
    );
  }

  /**
   * Lets `fn` start executions (one per campaign) and stop them (cancel); sets CAMPAIGN_STATE_MACHINE_ARN.
   * Executions are named by campaign id, so their ARNs are only known by the state machine's prefix.
   */
  bindStarter(fn: LambdaFunction): void {
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['states:StartExecution'],
      resourceArns: [this.stateMachine.stateMachineArn],
    });
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['states:StopExecution', 'states:DescribeExecution'],
      resourceArns: [executions],
    });
    acknowledgeWildcardResource(
      fn.role,
      executions,
      "An execution's ARN is named by its campaign, known only after launch; the grant covers this state machine's executions only.",
    );
    fn.addEnvironment(ENV.campaignStateMachine, this.stateMachine.stateMachineArn);
  }
}
