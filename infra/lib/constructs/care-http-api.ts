import { Lazy, RemovalPolicy, Validations } from 'aws-cdk-lib';
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
import type { HttpFunction } from '../../../functions/manifest.js';

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
  }

  /**
   * Adds a route to `handler`: a staff route requires a JWT of the staff pool, a public route takes
   * anyone (the handler authenticates the caller itself or guards against abuse). A throttle applies
   * to this route only.
   */
  addRoute(options: CareRouteOptions): HttpRoute {
    const routeKey = HttpRouteKey.with(options.path, HttpMethod[options.method]);
    const route = new HttpRoute(this, `${options.name}Route`, {
      httpApi: this.api,
      routeKey,
      integration: new HttpLambdaIntegration(`${options.name}Integration`, options.handler),
      authorizer: options.auth === 'staff' ? this.staffAuthorizer : undefined,
    });
    if (options.auth === 'public') {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${routeKey.key} is public by design (functions/manifest.ts auth: 'public'): its callers are customers or providers without staff accounts; the handler authenticates them (provider signature) or guards itself (honeypot, body cap), and the route is throttled.`,
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
}
