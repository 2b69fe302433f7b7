import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { CampaignFigures } from './campaigns.js';
import type { FunctionShare } from './ingest.js';
import { round } from './stats.js';

const PriceSchema = z.object({ source: z.url(), note: z.string().optional() });
export const PricesSchema = z.object({
  region: z.string(),
  currency: z.literal('USD'),
  checkedAt: z.iso.date(),
  apiGatewayHttpApi: PriceSchema.extend({ perMillionRequests: z.number() }),
  lambda: PriceSchema.extend({ arm64PerGbSecond: z.number(), perMillionRequests: z.number() }),
  dynamodb: PriceSchema.extend({
    perMillionWriteRequestUnits: z.number(),
    perMillionReadRequestUnits: z.number(),
  }),
  sqs: PriceSchema.extend({ perMillionRequests: z.number() }),
  sqsFifo: PriceSchema.extend({ perMillionRequests: z.number() }),
  ses: PriceSchema.extend({ perThousandEmails: z.number() }),
  stepFunctions: PriceSchema.extend({ perMillionStandardTransitions: z.number() }),
  cloudWatchLogs: PriceSchema.extend({ perGbIngested: z.number() }),
  kms: PriceSchema.extend({ perMillionRequests: z.number() }),
});
export type Prices = z.infer<typeof PricesSchema>;

/** Reads and checks bench/prices.json. */
export function loadPrices(file: URL): Prices {
  return PricesSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Lambda's own log lines per invocation (START, END, REPORT with X-Ray), in bytes. */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 300;
const GB = 1024 ** 3;

export interface CostInputs {
  readonly prices: Prices;
  /** Steady-state shares per message of the web-form handler and of the routing consumer. */
  readonly ingest: FunctionShare;
  readonly routing: FunctionShare;
  /** The tier consumers' share (tier 1 push assignment in the steady state, or the e-level's answer). */
  readonly tiers: FunctionShare;
  /** Duration of one web-form invocation (ms), of one routing batch (ms), of one tier batch (ms). */
  readonly webformDurationMs: number;
  readonly routeBatchDurationMs: number;
  readonly tierBatchDurationMs: number;
  readonly memoryMb: number;
}

/** USD per million messages, by component. */
export interface CostComponents {
  readonly apiGateway: number;
  readonly lambdaRequests: number;
  readonly lambdaDuration: number;
  readonly dynamodbWrites: number;
  readonly dynamodbReads: number;
  readonly sqs: number;
  readonly logs: number;
  readonly kms: number;
}

export interface CostResult {
  readonly perMillionUsd: number;
  readonly components: CostComponents;
  readonly byFunction: {
    readonly webform: CostComponents;
    readonly route: CostComponents;
    readonly tiers: CostComponents;
  };
  /** Channel delivery fees (SES per email sent), not infrastructure; per million messages. */
  readonly deliveryFeesUsd: number;
  readonly assumptions: readonly string[];
}

/**
 * Infrastructure cost of one million web-form messages in the steady state, from the counted requests
 * and units and the dated public prices: the API request, the web-form function, its DynamoDB and SQS
 * requests and logs, then the routing consumer's share (its Lambda invocation, receive and delete
 * amortized over the batch, its DynamoDB units and logs).
 */
export function costPerMillion(inputs: CostInputs): CostResult {
  const { prices, ingest, routing, tiers } = inputs;
  const webform = functionCost(prices, ingest, inputs.webformDurationMs, inputs.memoryMb, 1);
  const route = functionCost(prices, routing, inputs.routeBatchDurationMs, inputs.memoryMb, 0, true);
  const tier = functionCost(prices, tiers, inputs.tierBatchDurationMs, inputs.memoryMb, 0, true);
  const components = combine(webform, route, tier);
  const total = COMPONENTS.reduce((sum, key) => sum + components[key], 0);
  const emails = [ingest, routing, tiers].reduce(
    (sum, share) => sum + (share.requests['SESv2.SendEmail'] ?? 0),
    0,
  );
  return {
    perMillionUsd: round(total, 2),
    components,
    byFunction: { webform: combine(webform), route: combine(route), tiers: combine(tier) },
    deliveryFeesUsd: round(emails * prices.ses.perThousandEmails * 1000, 2),
    assumptions: [
      `prices: bench/prices.json (${prices.region}, checked ${prices.checkedAt})`,
      `Lambda duration: in-process handler time against the local emulators as a proxy (web form: serial p50 ${round(inputs.webformDurationMs)} ms; routing: median of a ${round(1 / routing.invocations)}-message batch ${round(inputs.routeBatchDurationMs)} ms), billed per started ms at ${inputs.memoryMb} MB arm64; real DynamoDB round trips differ`,
      `logs: bytes the handlers wrote to stdout, plus ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda START/END/REPORT lines per invocation`,
      "SQS: one SendMessage per message, ReceiveMessage and DeleteMessageBatch once per full batch; the event source mapping's empty long polls are a fixed cost, left out; the routing and tier consumers' requests are priced at the FIFO rate (an upper bound: the routing queue's receive and delete are standard)",
      `tier consumers: in-process time per batch of the metered run (${round(inputs.tierBatchDurationMs)} ms, an overestimate); the e-level's email is a delivery fee (SES, $${prices.ses.perThousandEmails} per 1,000), shown apart from infrastructure`,
      'KMS: data keys are cached by DynamoDB and SQS, so KMS requests do not grow with messages; not charged per message',
      'left out: DynamoDB storage, data transfer, CloudWatch metrics and alarms (not per message)',
    ],
  };
}

function functionCost(
  prices: Prices,
  share: FunctionShare,
  durationMsPerInvocation: number,
  memoryMb: number,
  apiRequests: number,
  fifo = false,
): CostComponents {
  const perMillion = 1_000_000;
  const gbSeconds = (Math.ceil(durationMsPerInvocation) / 1000) * (memoryMb / 1024) * share.invocations;
  const logBytes = share.logBytes + PLATFORM_LOG_BYTES_PER_INVOCATION * share.invocations;
  return {
    apiGateway: apiRequests * prices.apiGatewayHttpApi.perMillionRequests,
    lambdaRequests: share.invocations * prices.lambda.perMillionRequests,
    lambdaDuration: gbSeconds * prices.lambda.arm64PerGbSecond * perMillion,
    dynamodbWrites: share.writeUnits * prices.dynamodb.perMillionWriteRequestUnits,
    dynamodbReads: share.readUnits * prices.dynamodb.perMillionReadRequestUnits,
    sqs: share.sqsRequests * (fifo ? prices.sqsFifo : prices.sqs).perMillionRequests,
    logs: (logBytes / GB) * prices.cloudWatchLogs.perGbIngested * perMillion,
    kms: 0,
  };
}

const COMPONENTS = [
  'apiGateway',
  'lambdaRequests',
  'lambdaDuration',
  'dynamodbWrites',
  'dynamodbReads',
  'sqs',
  'logs',
  'kms',
] as const satisfies readonly (keyof CostComponents)[];

/** Sums components over functions, rounded to 1/100 of a cent per million. */
function combine(...parts: readonly CostComponents[]): CostComponents {
  const sum = (key: keyof CostComponents) =>
    round(
      parts.reduce((total, part) => total + part[key], 0),
      4,
    );
  return {
    apiGateway: sum('apiGateway'),
    lambdaRequests: sum('lambdaRequests'),
    lambdaDuration: sum('lambdaDuration'),
    dynamodbWrites: sum('dynamodbWrites'),
    dynamodbReads: sum('dynamodbReads'),
    sqs: sum('sqs'),
    logs: sum('logs'),
    kms: sum('kms'),
  };
}

/** USD per million campaign recipients, by component. */
export interface CampaignCost {
  readonly perMillionRecipientsUsd: number;
  /** Step Functions transitions, the task and worker invocations and the send queue: the orchestration. */
  readonly orchestrationUsd: number;
  readonly components: Readonly<Record<string, number>>;
  /** Channel delivery fees (SES per email), apart from infrastructure. */
  readonly deliveryFeesUsd: number;
  readonly assumptions: readonly string[];
}

/** Prices a campaign run's per-recipient figures (bench/campaigns.ts) per million recipients. */
export function campaignCostPerMillion(
  prices: Prices,
  figures: Omit<CampaignFigures['perRecipient'], 'dynamodbRequests'>,
  memoryMb: number,
): CampaignCost {
  const perMillion = 1_000_000;
  const components = {
    stepFunctionsTransitions: figures.transitions * prices.stepFunctions.perMillionStandardTransitions,
    lambdaRequests: figures.lambdaInvocations * prices.lambda.perMillionRequests,
    lambdaDuration:
      (figures.handlerMs / 1000) * (memoryMb / 1024) * prices.lambda.arm64PerGbSecond * perMillion,
    sqs: figures.sqsRequests * prices.sqs.perMillionRequests,
    dynamodbWrites: figures.writeUnits * prices.dynamodb.perMillionWriteRequestUnits,
    dynamodbReads: figures.readUnits * prices.dynamodb.perMillionReadRequestUnits,
    logs:
      ((figures.logBytes + PLATFORM_LOG_BYTES_PER_INVOCATION * figures.lambdaInvocations) / GB) *
      prices.cloudWatchLogs.perGbIngested *
      perMillion,
  };
  const rounded = Object.fromEntries(
    Object.entries(components).map(([key, value]) => [key, round(value, 4)]),
  );
  const total = Object.values(components).reduce((sum, value) => sum + value, 0);
  return {
    perMillionRecipientsUsd: round(total, 2),
    orchestrationUsd: round(
      components.stepFunctionsTransitions +
        components.lambdaRequests +
        components.lambdaDuration +
        components.sqs,
      2,
    ),
    components: rounded,
    deliveryFeesUsd: round(figures.sesEmails * prices.ses.perThousandEmails * 1000, 2),
    assumptions: [
      'one Standard execution per campaign: transitions counted from the definition (Enrol and its choice per page; SendWave, its choice and the wait per wave)',
      'Lambda duration: in-process handler time against the emulators, per recipient, at the functions memory, arm64',
      'DynamoDB: units computed from the documented rules, every request of the task handlers and send workers (ledger check and reservation, recipient state, the outbound interaction, counters per batch)',
      'SQS: the waves SendMessageBatch, the workers receive and delete per batch of ten',
      'SES emails are a delivery fee, shown apart',
    ],
  };
}
