import { Lazy, NestedStack, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpFunction, RouteAuth } from '../../../functions/manifest.js';

/** Requests per second and burst. */
export interface Throttle {
  readonly rate: number;
  readonly burst: number;
}

export interface CareHttpApiProps {
  /** Issuer of the staff JWTs (the user pool's issuer URL). */
  readonly jwtIssuer: string;
  /** Accepted audiences (`aud`, or `client_id` of access tokens): the staff app client ids. */
  readonly jwtAudience: readonly string[];
  /**
   * Throttle of every route without one of its own.
   * @default { rate: 100, burst: 200 }
   */
  readonly defaultThrottle?: Throttle;
  /**
   * CORS preflight answers, for browser clients on another origin.
   * @default - no CORS
   */
  readonly cors?: CorsPreflightOptions;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly accessLogRetention?: RetentionDays;
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
}

/** One route: a manifest entry's method, path, auth and throttle, and the function serving it. */
export interface CareRouteOptions
  extends Pick<HttpFunction, 'name' | 'method' | 'path' | 'auth' | 'throttle'> {
  readonly handler: IFunction;
}

/**
 * How the handler authenticates the caller of a public route (every auth but `staff`), the reason its
 * route has no API Gateway authorizer.
 */
const PUBLIC_ROUTE_AUTHENTICATION: Readonly<Record<Exclude<RouteAuth, 'staff'>, string>> = {
  honeypot:
    'anyone may submit the web form, so there is no caller to authenticate: the body is capped and strictly validated, a hidden honeypot field makes bots get a decoy answer with nothing stored, a retried submission is recorded once, and the route is throttled.',
  'twilio-signature':
    "called by Twilio: before parsing anything the handler verifies X-Twilio-Signature (HMAC-SHA1 over the configured public URL and the form parameters, keyed with the account's auth token from Secrets Manager) and answers 403 without it; the route is throttled.",
  'visitor-token':
    "called by a chat visitor's browser: the handler requires Authorization: Bearer <visitor token> (HS256 with the key in Secrets Manager, audience carebridge-chat, 24 h) issued for that very session id and answers 401 otherwise; the route is throttled.",
  'visitor-session':
    'any website visitor may start a chat session: the handler stores nothing and only signs a visitor token for a new random visitor id (body capped at 4 KB, strictly validated); the route is throttled.',
  public:
    'the OpenAPI description of the API is public by design: the handler serves a static document that holds no data, only the shape of the API; the route is throttled.',
  'unsubscribe-link':
    "opened from a campaign message's unsubscribe link or posted by the reader's mail provider (RFC 8058 one-click): the handler requires the link's token in ?token=, HS256 signed with the identity secret from Secrets Manager, audience carebridge-unsubscribe, expires after 30 days, and refuses a forged (400) or expired (410) token; GET changes nothing; the access log does not record the query string, and the route is throttled.",
  'survey-link':
    "opened from a satisfaction survey email's score link: the handler requires the link's token in ?token=, HS256 signed with the identity secret from Secrets Manager, audience carebridge-survey, expires after 30 days, and refuses a forged (400) or expired (410) token; GET changes nothing, POST records the first score only; the access log does not record the query string, and the route is throttled.",
  'verification-link':
    'opened from an email verification link: the handler requires the token of a link mailed to that address (in ?token= or in the body of the confirm form), HS256 signed with the identity secret from Secrets Manager, audience carebridge-identity-verification, expires after 24 h, and refuses a missing, forged or expired token; the access log does not record the query string, and the route is throttled.',
};

/**
 * Every field is a context variable API Gateway fills in; request and response bodies are never
 * logged. `sub` names the staff member behind a call (empty on public routes).
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
    sub: '$context.authorizer.claims.sub',
    sourceIp: '$context.identity.sourceIp',
  }),
);

/**
 * The HTTP API (payload format 2.0): staff routes behind a JWT authorizer, public routes without one,
 * a `$default` stage with JSON access logs, a default throttle and per-route throttles.
 */
export class CareHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly staffAuthorizer: HttpJwtAuthorizer;
  /**
   * The routes, their Lambda integrations and invoke permissions live in a nested stack of their own:
   * three resources per route would otherwise take the stack past CloudFormation's 500 resources.
   */
  readonly routes: NestedStack;
  /** Base URL of the API (the `$default` stage). */
  readonly url: string;
  private readonly routeThrottles: Record<
    string,
    { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
  > = {};

  constructor(scope: Construct, id: string, props: CareHttpApiProps) {
    super(scope, id);
    const defaultThrottle = props.defaultThrottle ?? { rate: 100, burst: 200 };
    this.api = new HttpApi(this, 'Api', {
      description: 'carebridge channels, agent and marketing APIs',
      createDefaultStage: false,
      corsPreflight: props.cors,
    });
    this.staffAuthorizer = new HttpJwtAuthorizer('StaffJwt', props.jwtIssuer, {
      jwtAudience: [...props.jwtAudience],
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: defaultThrottle.rate, burstLimit: defaultThrottle.burst },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: ACCESS_LOG_FORMAT,
      },
    });
    // The L2 stage has no per-route settings; routes add theirs to the L1 stage as they come.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = Lazy.any({
      produce: () => (Object.keys(this.routeThrottles).length > 0 ? this.routeThrottles : undefined),
    });
    this.url = this.stage.url;
    this.routes = new NestedStack(this, 'Routes', {
      description: 'carebridge HTTP API routes and integrations',
    });
  }

  /**
   * Adds a route to `handler`: a staff route requires a JWT of the staff pool; any other route has
   * no authorizer and the handler authenticates its caller as its `auth` says (provider signature,
   * visitor token, verification link) or guards itself (honeypot, throttle). A throttle applies to this route only.
   */
  addRoute(options: CareRouteOptions): HttpRoute {
    const routeKey = HttpRouteKey.with(options.path, HttpMethod[options.method]);
    const route = new HttpRoute(this.routes, `${options.name}Route`, {
      httpApi: this.api,
      routeKey,
      integration: new HttpLambdaIntegration(`${options.name}Integration`, options.handler),
      authorizer: options.auth === 'staff' ? this.staffAuthorizer : undefined,
    });
    if (options.auth !== 'staff') {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${routeKey.key} has no API Gateway authorizer (auth '${options.auth}' in functions/manifest.ts): ${PUBLIC_ROUTE_AUTHENTICATION[options.auth]}`,
      });
    }
    if (options.throttle) {
      this.routeThrottles[routeKey.key] = {
        ThrottlingRateLimit: options.throttle.rate,
        ThrottlingBurstLimit: options.throttle.burst,
      };
      // A stage's route settings may only name routes that exist already.
      this.stage.node.addDependency(route);
    }
    return route;
  }

  /**
   * The public URL of a route path (`/v1/…`) on the `$default` stage, exactly as a caller sees it:
   * what a provider signs its requests with.
   */
  routeUrl(path: string): string {
    if (!path.startsWith('/')) throw new Error(`route path ${path} must start with /`);
    return `${this.api.apiEndpoint}${path}`;
  }
}
