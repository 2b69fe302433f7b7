import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, FUNCTIONS, type FunctionDefinition } from '../../functions/manifest.js';
import { CarebridgeStack } from '../../infra/lib/carebridge-stack.js';
import { acknowledgements, nagFindings, testApp, unbundledApp } from './support.js';

const definitions: readonly FunctionDefinition[] = FUNCTIONS;
let stack: CarebridgeStack;
let template: Template;
let prod: Template;

beforeAll(() => {
  // The dev stack bundles every handler for real, as `cdk synth` does: a handler that does not
  // bundle fails here.
  stack = new CarebridgeStack(testApp(), 'carebridge-dev', { stage: 'dev' });
  template = Template.fromStack(stack);
  const prodStack = new CarebridgeStack(unbundledApp(), 'carebridge-prod', {
    stage: 'prod',
    phoneRegion: 'DE',
  });
  prod = Template.fromStack(prodStack);
});

/** The logical id of the function built for a manifest entry (the stack describes it by name). */
function functionId(definition: FunctionDefinition): string {
  const [id] = Object.keys(
    template.findResources('AWS::Lambda::Function', {
      Properties: { Description: `carebridge ${definition.name}` },
    }),
  );
  if (!id) throw new Error(`no function for ${definition.name}`);
  return id;
}

/** The environment variables of a manifest entry's function. */
function environmentOf(definition: FunctionDefinition): Record<string, unknown> {
  return template.findResources('AWS::Lambda::Function')[functionId(definition)]?.Properties.Environment
    .Variables;
}

/** The policy statements of a manifest entry's function. */
function statementsOf(definition: FunctionDefinition): unknown[] {
  const role = template.findResources('AWS::Lambda::Function')[functionId(definition)]?.Properties.Role;
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: role['Fn::GetAtt'][0] }] },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

describe('CarebridgeStack', () => {
  it('builds one function per manifest entry', () => {
    template.resourceCountIs('AWS::Lambda::Function', definitions.length);
    for (const definition of definitions) expect(functionId(definition)).toBeTruthy();
  });

  it('routes every http entry, staff routes behind the JWT authorizer and public ones without', () => {
    for (const definition of definitions) {
      if (definition.kind !== 'http') continue;
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${definition.method} ${definition.path}`,
        AuthorizationType: definition.auth === 'staff' ? 'JWT' : 'NONE',
      });
    }
  });

  it('throttles the web form route as the manifest says', () => {
    const webform = definitions.find((definition) => definition.name === 'webform');
    if (webform?.kind !== 'http' || !webform.throttle)
      throw new Error('the manifest has no throttled webform');
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: Match.objectLike({
        [`POST ${webform.path}`]: {
          ThrottlingRateLimit: webform.throttle.rate,
          ThrottlingBurstLimit: webform.throttle.burst,
        },
      }),
    });
  });

  it('feeds every queue entry from its queue in batches of the manifest size with partial failures', () => {
    for (const definition of definitions) {
      if (definition.kind !== 'queue') continue;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: functionId(definition) },
        BatchSize: definition.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
  });

  it('gives read-only functions no write action, writers put access, and both the table name', () => {
    for (const definition of definitions) {
      const statements = JSON.stringify(statementsOf(definition));
      if (definition.access.table === 'read') expect(statements).not.toMatch(/PutItem|UpdateItem|DeleteItem/);
      if (definition.access.table === 'write') expect(statements).toContain('dynamodb:PutItem');
      if (definition.access.table) {
        expect(environmentOf(definition).TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^CareTable/) });
      }
    }
  });

  it('lets only the declared senders send to a queue, and gives them its URL', () => {
    for (const definition of definitions) {
      const sendsTo = definition.access.sendsTo ?? [];
      const sends = JSON.stringify(statementsOf(definition)).includes('sqs:SendMessage');
      expect({ name: definition.name, sends }).toEqual({ name: definition.name, sends: sendsTo.length > 0 });
      for (const queue of sendsTo) expect(environmentOf(definition)).toHaveProperty(ENV.queueUrl(queue));
    }
  });

  it('grants a wildcard resource only for X-Ray', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    const wildcards = policies
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((statement) => JSON.stringify(statement.Resource).includes('*'));
    for (const statement of wildcards) {
      expect(statement.Action).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('outputs the API URL, user pool, client, issuer and table name', () => {
    for (const name of ['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'IssuerUrl', 'TableName']) {
      template.hasOutput(name, { Value: Match.anyValue() });
    }
  });

  it('lets the dev stage delete its data and keeps it on any other stage', () => {
    for (const type of [
      'AWS::DynamoDB::Table',
      'AWS::KMS::Key',
      'AWS::Cognito::UserPool',
      'AWS::Logs::LogGroup',
    ]) {
      template.allResources(type, { DeletionPolicy: 'Delete' });
      prod.allResources(type, { DeletionPolicy: 'Retain' });
    }
  });

  it('passes the default phone region to every function when one is given', () => {
    prod.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DEFAULT_PHONE_REGION: 'DE' }) },
    });
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.not(Match.objectLike({ DEFAULT_PHONE_REGION: Match.anyValue() })) },
    });
  });

  it('leaves no AwsSolutions finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  it('acknowledges only the X-Ray wildcard of each function and the public routes, each with a reason', () => {
    const acknowledged = acknowledgements(stack);
    const publicRoutes = definitions.filter(
      (definition) => definition.kind === 'http' && definition.auth === 'public',
    );

    expect(acknowledged.filter((entry) => entry.id === 'AwsSolutions-IAM5[Resource::*]')).toHaveLength(
      definitions.length,
    );
    expect(acknowledged.filter((entry) => entry.id === 'AwsSolutions-APIG4')).toHaveLength(
      publicRoutes.length,
    );
    expect(acknowledged).toHaveLength(definitions.length + publicRoutes.length);
    for (const entry of acknowledged) expect(entry.reason.length).toBeGreaterThan(40);
  });
});
