import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import { ChatApi } from '../../infra/lib/constructs/chat-api.js';
import { acknowledgements, inlineFunction, nagFindings, unbundledApp } from './support.js';

let chat: ChatApi;
let template: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'ChatTest');
  chat = new ChatApi(stack, 'ChatApi');
  chat.addRoute('$connect', inlineFunction(stack, 'Connect'));
  chat.addRoute('$disconnect', inlineFunction(stack, 'Disconnect'));
  chat.addRoute('sendMessage', inlineFunction(stack, 'SendMessage'));
  chat.bindConnections(inlineFunction(stack, 'Pusher'));
  template = Template.fromStack(stack);
});

const apiRef = { Ref: Match.stringLikeRegexp('^ChatApi') };

describe('ChatApi', () => {
  it('selects routes by the action of the JSON frame', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.action',
    });
  });

  it.each([
    ['$connect', 'Connect'],
    ['$disconnect', 'Disconnect'],
    ['sendMessage', 'SendMessage'],
  ])('routes %s to its function through a Lambda proxy integration, without authorizer', (routeKey, name) => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: routeKey,
      AuthorizationType: 'NONE',
      Target: { 'Fn::Join': ['', ['integrations/', { Ref: Match.stringLikeRegexp('Integration') }]] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      IntegrationUri: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${name}`), 'Arn'] }])],
      }),
    });
  });

  it('deploys one throttled stage automatically', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'v1',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('writes JSON access logs of context variables only, never the query string that carries the token', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.AccessLogSettings;
    const fields: Record<string, string> = JSON.parse(settings.Format);

    expect(settings.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^ChatApiAccessLogs/), 'Arn'],
    });
    expect(fields).toMatchObject({ connectionId: '$context.connectionId', routeKey: '$context.routeKey' });
    expect(Object.values(fields).every((value) => value.startsWith('$context.'))).toBe(true);
    expect(settings.Format).not.toMatch(/querystring|\$request|body/i);
  });

  it('gives the wss:// URL for browsers and the https:// @connections endpoint of the stage', () => {
    const stack = Stack.of(chat);
    const url = (protocol: string) => ({
      'Fn::Join': [
        '',
        [
          `${protocol}://`,
          { Ref: expect.stringMatching(/^ChatApi/) },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          '/v1',
        ],
      ],
    });
    expect(stack.resolve(chat.url)).toEqual(url('wss'));
    expect(stack.resolve(chat.callbackUrl)).toEqual(url('https'));
  });

  it('lets a pushing function POST to connections of this stage only, and passes the endpoint', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^PusherServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:ManageConnections',
            Resource: { 'Fn::Join': ['', Match.arrayWith([apiRef, '/v1/POST/@connections/*'])] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { [ENV.chat.callbackUrl]: Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
      },
    });
  });

  it('grants the connections to no other function', () => {
    const policies = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(policies.match(/execute-api:ManageConnections/g)).toHaveLength(1);
  });

  it('leaves no AwsSolutions finding: each route says how its caller is authenticated', () => {
    expect(nagFindings(chat)).toEqual([]);
    const routes = acknowledgements(chat).filter((entry) => entry.id === 'AwsSolutions-APIG4');
    expect(routes).toHaveLength(3);
    expect(routes.find((entry) => entry.path.includes('$connect'))?.reason).toMatch(/visitor token/);
  });
});
