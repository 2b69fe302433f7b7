import { Aws, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  LogGroupLogDestination,
  WebSocketApi,
  type WebSocketRoute,
  WebSocketStage,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct, type IDependable } from 'constructs';
import { ENV, type WebSocketFunction } from '../../../functions/manifest.js';
import { acknowledgeWildcardResource } from '../nag.js';
import type { Throttle } from './care-http-api.js';

export interface ChatApiProps {
  /**
   * Name of the stage, the path of the WebSocket URL (`wss://…/<stageName>`).
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Requests (connections and messages) per second and burst, for the whole stage.
   * @default { rate: 50, burst: 100 }
   */
  readonly throttle?: Throttle;
  /**
   * Something the stage must wait for, such as the account's API Gateway logging role
   * (ApiGatewayLoggingRole), without which a WebSocket stage cannot log.
   * @default - none
   */
  readonly loggingDependency?: IDependable;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/**
 * Context variables only: the visitor token travels in the handshake's query string (`?token=`), so
 * neither the query string nor any request data is logged.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    eventType: '$context.eventType',
    routeKey: '$context.routeKey',
    status: '$context.status',
    connectionId: '$context.connectionId',
    messageId: '$context.messageId',
    error: '$context.error.message',
    integrationError: '$context.integration.error',
    integrationLatency: '$context.integration.latency',
    sourceIp: '$context.identity.sourceIp',
  }),
);

/** Why each route of the chat API has no API Gateway authorizer. */
const ROUTE_AUTHENTICATION: Readonly<Record<WebSocketFunction['route'], string>> = {
  $connect:
    "$connect has no API Gateway authorizer: the handler verifies the visitor token (HS256, audience carebridge-chat, 24 h) from the handshake's ?token= and answers 401, which refuses the connection, when it is missing, forged or expired.",
  $disconnect:
    'WebSocket APIs authorize only the $connect route; $disconnect is sent by API Gateway for a connection that $connect admitted, and the handler only forgets that connection.',
  sendMessage:
    'WebSocket APIs authorize only the $connect route; a message arrives on a connection $connect admitted with a valid visitor token, and the handler refuses connections it holds no live record of.',
};

/**
 * The live chat WebSocket API: route selection on `$request.body.action`, `$connect`,
 * `$disconnect` and `sendMessage` routes to Lambda functions, one stage (auto-deployed, throttled,
 * JSON access logs without the query string), and the management API (`@connections`) for functions
 * that push to visitors.
 */
export class ChatApi extends Construct {
  readonly api: WebSocketApi;
  readonly stage: WebSocketStage;
  readonly accessLogGroup: LogGroup;
  /** `wss://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: what a browser connects to. */
  readonly url: string;
  /** `https://{apiId}.execute-api.{region}.amazonaws.com/{stage}`: the `@connections` endpoint. */
  readonly callbackUrl: string;

  constructor(scope: Construct, id: string, props: ChatApiProps = {}) {
    super(scope, id);
    const throttle = props.throttle ?? { rate: 50, burst: 100 };
    this.api = new WebSocketApi(this, 'Api', {
      description: 'carebridge live chat',
      routeSelectionExpression: '$request.body.action',
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: props.stageName ?? 'v1',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rate, burstLimit: throttle.burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
    if (props.loggingDependency) this.stage.node.addDependency(props.loggingDependency);
    this.url = this.stage.url;
    this.callbackUrl = this.stage.callbackUrl;
  }

  /** Routes `route` to `handler` (a Lambda proxy integration), with no API Gateway authorizer. */
  addRoute(route: WebSocketFunction['route'], handler: LambdaFunction): WebSocketRoute {
    const added = this.api.addRoute(route, {
      integration: new WebSocketLambdaIntegration(`${route.replace('$', '')}Integration`, handler),
    });
    Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason: ROUTE_AUTHENTICATION[route] });
    return added;
  }

  /**
   * Lets `fn` post to the stage's connections (ManageConnections, POST only) and passes the
   * `@connections` endpoint (`ENV.chat.callbackUrl`).
   */
  bindConnections(fn: LambdaFunction): void {
    const connections = `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.api.apiId}/${this.stage.stageName}/POST/@connections/*`;
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['execute-api:ManageConnections'],
      resourceArns: [connections],
    });
    acknowledgeWildcardResource(
      fn.role,
      connections,
      'Connection ids are issued by API Gateway per visitor at run time; the grant is limited to posting (POST) to connections of this API and stage.',
    );
    fn.addEnvironment(ENV.chat.callbackUrl, this.callbackUrl);
  }
}
