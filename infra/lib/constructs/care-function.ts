import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAMBDA_BUNDLING } from '../../bundling.js';

/** The repository root: where package.json, package-lock.json and the handler files live. */
export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The runtime of every function; the newest Node.js the installed CDK knows. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

export interface CareFunctionProps {
  /** Handler file relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** What the function does, for the console. */
  readonly description?: string;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when the function goes away.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * Where the function's log group is created (e.g. a nested stack holding every function's log group,
   * which keeps the stack under CloudFormation's resource limit).
   * @default - beside the function
   */
  readonly logScope?: Construct;
  /** Environment variables besides the ones every function gets. */
  readonly environment?: Readonly<Record<string, string>>;
}

/**
 * The project's Lambda function: fixes runtime (Node.js 24, arm64), X-Ray tracing, memory, timeout,
 * a log group of its own, a role without managed policies, and esbuild bundling on this machine
 * (no Docker) as infra/bundling.ts declares.
 */
export class CareFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: CareFunctionProps) {
    super(scope, id);
    this.timeout = props.timeout ?? Duration.seconds(10);
    this.logGroup = new LogGroup(props.logScope ?? this, props.logScope ? `${id}Logs` : 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An own role instead of the default one with AWSLambdaBasicExecutionRole: that managed policy
    // may write to every log group, this role only to the function's own.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: this.timeout,
      tracing: Tracing.ACTIVE,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'carebridge',
        ...props.environment,
      },
      bundling: { ...LAMBDA_BUNDLING, forceDockerBundling: false },
    });
    // X-Ray accepts trace segments only on `*`; the function adds that statement itself for active
    // tracing, and it is the one wildcard its role may hold.
    const defaultPolicy = this.role.node.tryFindChild('DefaultPolicy');
    if (defaultPolicy) {
      Validations.of(defaultPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; active tracing needs them on *.',
      });
    }
  }
}
