import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV, FUNCTIONS, type FunctionDefinition, type QueueName } from '../../functions/manifest.js';
import { CareFunction } from './constructs/care-function.js';
import { CareHttpApi } from './constructs/care-http-api.js';
import { CareQueue } from './constructs/care-queue.js';
import { CareTable } from './constructs/care-table.js';
import { StaffAuth } from './constructs/staff-auth.js';

export interface CarebridgeStackProps extends StackProps {
  /** Deployment stage (validated in infra/bin/app.ts); every stage but `dev` keeps its data. */
  readonly stage: string;
  /** Default phone region (ISO 3166 alpha-2) for numbers written without a country code. */
  readonly phoneRegion?: string;
}

/**
 * carebridge on AWS: wires the constructs together. One function per entry of functions/manifest.ts,
 * with the table and queue access it declares, HTTP routes for `http` entries and queue consumers
 * for `queue` entries.
 */
export class CarebridgeStack extends Stack {
  constructor(scope: Construct, id: string, props: CarebridgeStackProps) {
    super(scope, id, props);
    const retain = props.stage !== 'dev';
    const logRemovalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const definitions: readonly FunctionDefinition[] = FUNCTIONS;

    const table = new CareTable(this, 'CareTable', { retain });
    const auth = new StaffAuth(this, 'StaffAuth', { retain });
    const api = new CareHttpApi(this, 'HttpApi', {
      jwtIssuer: auth.issuerUrl,
      jwtAudience: [auth.clientId],
      accessLogRemovalPolicy: logRemovalPolicy,
    });

    const functions = new Map<string, CareFunction>();
    for (const definition of definitions) {
      functions.set(
        definition.name,
        new CareFunction(this, `${pascalCase(definition.name)}Function`, {
          entry: definition.entry,
          description: `carebridge ${definition.name}`,
          logRemovalPolicy,
          environment: props.phoneRegion ? { [ENV.phoneRegion]: props.phoneRegion } : {},
        }),
      );
    }
    const functionOf = (definition: FunctionDefinition): CareFunction => {
      const fn = functions.get(definition.name);
      if (!fn) throw new Error(`no function built for ${definition.name}`);
      return fn;
    };

    const queues = new Map<QueueName, CareQueue>();
    for (const definition of definitions) {
      if (definition.kind !== 'queue') continue;
      if (queues.has(definition.queue)) {
        throw new Error(`queue ${definition.queue} has more than one consumer`);
      }
      queues.set(
        definition.queue,
        new CareQueue(this, `${pascalCase(definition.queue)}Queue`, {
          queueName: definition.queue,
          consumerTimeout: functionOf(definition).timeout,
          encryptionKey: table.encryptionKey,
        }),
      );
    }
    const queueOf = (name: QueueName): CareQueue => {
      const queue = queues.get(name);
      if (!queue) throw new Error(`queue ${name} has senders but no consumer in functions/manifest.ts`);
      return queue;
    };

    for (const definition of definitions) {
      const fn = functionOf(definition).function;
      if (definition.access.table) table.bind(fn, definition.access.table);
      for (const queueName of definition.access.sendsTo ?? []) queueOf(queueName).bindSender(fn);
      switch (definition.kind) {
        case 'http':
          api.addRoute({ ...definition, handler: fn });
          break;
        case 'queue':
          queueOf(definition.queue).addConsumer(fn, { batchSize: definition.batchSize });
          break;
        default: {
          const unknownKind: never = definition;
          throw new Error(`unknown function kind in ${JSON.stringify(unknownKind)}`);
        }
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId, description: 'Staff user pool' });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.clientId, description: 'Staff app client' });
    new CfnOutput(this, 'IssuerUrl', { value: auth.issuerUrl, description: 'Issuer of staff JWTs' });
    new CfnOutput(this, 'TableName', { value: table.table.tableName, description: 'The single table' });
  }
}

/** `customers-find` → `CustomersFind`, for construct ids. */
function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
