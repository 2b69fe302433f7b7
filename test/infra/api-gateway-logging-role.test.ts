import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiGatewayLoggingRole } from '../../infra/lib/constructs/api-gateway-logging-role.js';
import { nagFindings, unbundledApp } from './support.js';

let logging: ApiGatewayLoggingRole;
let template: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'LoggingRoleTest');
  logging = new ApiGatewayLoggingRole(stack, 'ApiGatewayLogging');
  template = Template.fromStack(stack);
});

describe('ApiGatewayLoggingRole', () => {
  it("sets the account's API Gateway logging role, assumed by API Gateway", () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
      }),
    });
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiGatewayLoggingRole'), 'Arn'] },
    });
  });

  it('keeps both when the stack goes, as other APIs of the account may log through them', () => {
    template.hasResource('AWS::IAM::Role', { DeletionPolicy: 'Retain' });
    template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
  });

  it("leaves no AwsSolutions finding: AWS's managed policy for this role is acknowledged", () => {
    expect(nagFindings(logging)).toEqual([]);
  });
});
