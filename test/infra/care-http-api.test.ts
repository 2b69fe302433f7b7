import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CareHttpApi } from '../../infra/lib/constructs/care-http-api.js';
import { acknowledgements, inlineFunction, nagFindings, unbundledApp } from './support.js';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
let api: CareHttpApi;
let template: Template;
/** The routes, integrations and permissions: a nested stack of the API's. */
let routes: Template;
let withCors: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'ApiTest');
  api = new CareHttpApi(stack, 'HttpApi', { jwtIssuer: ISSUER, jwtAudience: ['staff-client'] });
  api.addRoute({
    name: 'webform',
    method: 'POST',
    path: '/v1/channels/webform',
    auth: 'honeypot',
    throttle: { rate: 20, burst: 40 },
    handler: inlineFunction(stack, 'Webform'),
  });
  api.addRoute({
    name: 'sms-twilio-webhook',
    method: 'POST',
    path: '/v1/channels/sms/twilio',
    auth: 'twilio-signature',
    handler: inlineFunction(stack, 'Twilio'),
  });
  api.addRoute({
    name: 'chat-list-messages',
    method: 'GET',
    path: '/v1/chat/sessions/{id}/messages',
    auth: 'visitor-token',
    handler: inlineFunction(stack, 'ChatMessages'),
  });
  api.addRoute({
    name: 'identity-verify',
    method: 'GET',
    path: '/v1/identity/verify',
    auth: 'verification-link',
    throttle: { rate: 10, burst: 20 },
    handler: inlineFunction(stack, 'IdentityVerify'),
  });
  api.addRoute({
    name: 'customers-get',
    method: 'GET',
    path: '/v1/customers/{id}',
    auth: 'staff',
    handler: inlineFunction(stack, 'CustomersGet'),
  });
  template = Template.fromStack(stack);
  routes = Template.fromStack(api.routes);

  const corsStack = new Stack(unbundledApp(), 'CorsApiTest');
  new CareHttpApi(corsStack, 'HttpApi', {
    jwtIssuer: ISSUER,
    jwtAudience: ['staff-client'],
    cors: { allowOrigins: ['https://www.example.com'], allowHeaders: ['content-type', 'authorization'] },
  });
  withCors = Template.fromStack(corsStack);
});

describe('CareHttpApi', () => {
  it('verifies staff JWTs of the given issuer and audience', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: ISSUER, Audience: ['staff-client'] },
    });
  });

  it('puts a staff route behind the JWT authorizer', () => {
    routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /v1/customers/{id}',
      AuthorizationType: 'JWT',
      AuthorizerId: { Ref: Match.stringLikeRegexp('HttpApiStaffJwt') },
    });
  });

  it('leaves a public route without authorizer', () => {
    routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'POST /v1/channels/webform',
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it('leaves the verification-link route without authorizer: the link carries its own token', () => {
    routes.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      RouteKey: 'GET /v1/identity/verify',
      AuthorizationType: 'NONE',
      AuthorizerId: Match.absent(),
    });
  });

  it('throttles every route by default and a throttled route on its own', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      RouteSettings: {
        'POST /v1/channels/webform': { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
        'GET /v1/identity/verify': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      },
    });
  });

  it('creates the stage after the throttled route it names (the routes stack)', () => {
    template.hasResource('AWS::ApiGatewayV2::Stage', {
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^HttpApiRoutesNestedStack')]),
    });
    routes.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /v1/channels/webform' });
  });

  it('writes JSON access logs of context variables only, without bodies', () => {
    const [stage] = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    const settings = stage?.Properties.AccessLogSettings;
    const fields: Record<string, string> = JSON.parse(settings.Format);

    expect(settings.DestinationArn).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^HttpApiAccessLogs/), 'Arn'],
    });
    expect(fields).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey' });
    expect(Object.values(fields).every((value) => value.startsWith('$context.'))).toBe(true);
    expect(settings.Format).not.toMatch(/body/i);
  });

  it('answers no CORS preflight unless asked to', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.absent(),
    });
    withCors.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://www.example.com'],
        AllowHeaders: ['content-type', 'authorization'],
      },
    });
  });

  it('gives the public URL of a route path, as a provider signs it', () => {
    expect(Stack.of(api).resolve(api.routeUrl('/v1/channels/sms/twilio'))).toEqual({
      'Fn::Join': [
        '',
        [{ 'Fn::GetAtt': [expect.stringMatching(/^HttpApi/), 'ApiEndpoint'] }, '/v1/channels/sms/twilio'],
      ],
    });
    expect(() => api.routeUrl('v1/x')).toThrow(/must start with \//);
  });

  it('leaves no AwsSolutions finding: each public route is acknowledged with how its handler authenticates', () => {
    expect(nagFindings(api)).toEqual([]);
    const reasons = Object.fromEntries(
      acknowledgements(api)
        .filter((entry) => entry.id === 'AwsSolutions-APIG4')
        .map((entry) => [entry.path.split('/').at(-1), entry.reason]),
    );

    expect(Object.keys(reasons).sort()).toEqual([
      'chat-list-messagesRoute',
      'identity-verifyRoute',
      'sms-twilio-webhookRoute',
      'webformRoute',
    ]);
    expect(reasons.webformRoute).toMatch(/honeypot/);
    expect(reasons['sms-twilio-webhookRoute']).toMatch(/X-Twilio-Signature/);
    expect(reasons['chat-list-messagesRoute']).toMatch(/visitor token/);
    expect(reasons['identity-verifyRoute']).toMatch(/HS256/);
    expect(reasons['identity-verifyRoute']).toMatch(/expires/);
    expect(reasons['identity-verifyRoute']).toMatch(/throttled/);
  });
});
