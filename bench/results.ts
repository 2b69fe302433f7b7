import type { CampaignFigures } from './campaigns.js';
import type { CampaignCost, CostResult } from './cost.js';
import type { ScenarioResult } from './ingest.js';
import type { ThroughputResult } from './throughput.js';

/** bench/results.json: the latest figures of `npm run bench`. */
export interface BenchResults {
  readonly ingest: {
    /** DynamoDB requests of the web-form handler per message, known customer with an open conversation. */
    readonly requestsPerMessage: number;
    readonly writeUnitsPerMessage: number;
    readonly readUnitsPerMessage: number;
    readonly sqsRequestsPerMessage: number;
    /** The same message end to end: the web-form handler plus the routing consumer. */
    readonly withRouting: {
      readonly dynamodbRequestsPerMessage: number;
      readonly writeUnitsPerMessage: number;
      readonly readUnitsPerMessage: number;
      readonly awsRequestsPerMessage: number;
    };
    readonly messagesPerSecond: number;
    readonly latencyMs: {
      readonly serialP50: number;
      readonly serialP95: number;
      readonly concurrentP50: number;
      readonly concurrentP95: number;
    };
    /** Bytes the web-form handler logs per invocation (platform lines excluded). */
    readonly logBytesPerInvocation: number;
    readonly costPerMillionUsd: number;
    readonly cost: CostResult;
    /** From the routing consumer on (tier queues and consumers included), per message. */
    readonly routing: {
      readonly steadyState: RoutedFigures;
      readonly eLevelAnswer: RoutedFigures & { readonly cost: CostResult };
    };
    readonly throughput: ThroughputResult;
    readonly scenarios: Readonly<Record<string, ScenarioResult>>;
    readonly method: Readonly<Record<string, string>>;
  };
  /** A retention campaign run end to end (bench/campaigns.ts), per recipient and priced. */
  readonly campaigns: CampaignFigures & { readonly cost: CampaignCost };
  readonly functions: Readonly<Record<string, FunctionFigures>>;
  readonly targets: readonly TargetCheck[];
  readonly measuredAt: string;
  readonly benchSeconds: number;
  readonly machine: Readonly<Record<string, string | number>>;
}

/** What routing a message costs after ingest: the routing consumer and the tier consumer, per message. */
export interface RoutedFigures {
  readonly dynamodbRequestsPerMessage: number;
  readonly writeUnitsPerMessage: number;
  readonly readUnitsPerMessage: number;
  readonly sqsRequestsPerMessage: number;
  readonly routedTo: Readonly<Record<string, number>>;
}

/** One function against its budgets (bench/budgets.ts, docs/performance.md). */
export interface FunctionFigures {
  readonly bundleBytes: number;
  /** The most the bundle may weigh: 450 KB, or the SDK floor + 100 KB where the floor is over 350 KB. */
  readonly bundleBudgetBytes: number;
  readonly bundleMet: boolean;
  /** The recorded allowance of a function known to miss the bundle budget, if any. */
  readonly bundleAllowanceBytes?: number;
  readonly initMs: number;
  readonly sdkFloorInitMs: number;
  readonly initRatio: number;
  /** Ratio at most 1.1; null for a function bundling no SDK client (its floor is an empty module). */
  readonly initMet: boolean | null;
  readonly sdkFloorBundleBytes: number;
  /**
   * The libraries floor: the SDK floor plus the Powertools Logger, middy, zod and the HTTP layer with no
   * domain code (bench/bundles.ts), its bytes and its init / SDK floor init, timed like the handler's.
   */
  readonly librariesFloorBundleBytes: number;
  readonly librariesFloorInitRatio: number;
  readonly sdkClients: readonly string[];
  /** The packages weighing most in the bundle, bytes of minified output. */
  readonly largestPackages: Readonly<Record<string, number>>;
}

/** A figure of the product brief's "Targets we hold ourselves to" against what was measured. */
export interface TargetCheck {
  readonly figure: string;
  readonly target: number;
  readonly measured: number;
  readonly unit: string;
  readonly met: boolean;
}
