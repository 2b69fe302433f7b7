import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareFunction } from '../../infra/lib/constructs/care-function.js';
import { nagFindings, testApp } from './support.js';

let careFunction: CareFunction;
let template: Template;
let bundleDir: string;

beforeAll(() => {
  // Asset metadata (as the CLI asks for) names each function's bundle directory.
  const app = testApp({ 'aws:cdk:enable-asset-metadata': true });
  const stack = new Stack(app, 'FunctionTest');
  careFunction = new CareFunction(stack, 'Echo', {
    entry: 'test/infra/fixtures/echo-handler.ts',
    environment: { TABLE_NAME: 'care' },
  });
  new CareFunction(stack, 'Slow', {
    entry: 'test/infra/fixtures/echo-handler.ts',
    timeout: Duration.seconds(30),
    memorySize: 512,
  });
  template = Template.fromStack(stack);
  const [fn] = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Timeout: 10 } }),
  );
  bundleDir = join(app.outdir, String(fn?.Metadata?.['aws:asset:path']));
});

describe('CareFunction', () => {
  it('runs on Node.js 24 on arm64 with active tracing, 256 MB and 10 s by default', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: 10,
      Handler: 'index.handler',
    });
    expect(careFunction.timeout.toSeconds()).toBe(10);
  });

  it('takes another timeout and memory size', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 30 });
  });

  it('sets the service name besides the given environment, leaving source maps off at run time', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'carebridge',
          NODE_OPTIONS: Match.absent(),
          TABLE_NAME: 'care',
        },
      },
    });
  });

  it('logs to a log group of its own, kept for a month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^EchoLogs') } },
    });
  });

  it('runs under a role without managed policies that may write only to its own log group', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^EchoRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EchoLogs'), 'Arn'] },
          },
        ]),
      },
    });
  });

  it('bundles the handler with esbuild into a minified ES module with a source map', () => {
    const bundle = readFileSync(join(bundleDir, 'index.mjs'), 'utf8');

    expect(bundle).toMatch(/^import \{ createRequire as /);
    expect(bundle).toMatch(/export\s*\{\s*\w+ as handler\s*\}/);
    expect(bundle.split('\n').length).toBeLessThan(10);
    expect(existsSync(join(bundleDir, 'index.mjs.map'))).toBe(true);
  });

  it('leaves no AwsSolutions finding: the X-Ray wildcard is acknowledged', () => {
    expect(nagFindings(careFunction)).toEqual([]);
  });
});
