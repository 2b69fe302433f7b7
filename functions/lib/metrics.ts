import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CounterDelta } from '../../shared/campaigns/store.js';
import type { Channel, Tier } from '../../shared/schemas/index.js';
import { METRICS } from './metric-names.js';

/**
 * carebridge's business metrics in CloudWatch embedded metric format (Powertools Metrics): each count is
 * one JSON line on stdout, which Lambda's log agent turns into a metric of the `carebridge` namespace with
 * the dimension `service` and, per metric, `channel` or `tier`. Nothing is buffered, so no middleware has
 * to flush. Names and dimensions: functions/lib/metric-names.ts. Each helper is a function of its own, so
 * a handler bundles only what it calls (and Powertools Metrics, about 11 KB, only if it calls one).
 */
const metrics = new Metrics({ namespace: METRICS.namespace, serviceName: METRICS.service });

function count(name: string, dimension: readonly [string, string] | undefined, by = 1): void {
  const single = metrics.singleMetric();
  if (dimension) single.addDimension(...dimension);
  single.addMetric(name, MetricUnit.Count, by);
}

/** An inbound message handed to routing, on its channel. */
export function countMessageIn(channel: Channel): void {
  count(METRICS.messagesIn, ['channel', channel]);
}

/** A message sent to a customer on `channel`. */
export function countMessageOut(channel: Channel): void {
  count(METRICS.messagesOut, ['channel', channel]);
}

/** A routing decision applied: the concern is now in `tier`. */
export function countRouted(tier: Tier): void {
  count(METRICS.routed, ['tier', tier]);
}

/** Service levels missed, one entry per escalated conversation with the tier it was in: one line per tier. */
export function countSlaBreaches(tiers: readonly Tier[]): void {
  const perTier = new Map<Tier, number>();
  for (const tier of tiers) perTier.set(tier, (perTier.get(tier) ?? 0) + 1);
  for (const [tier, breaches] of perTier) count(METRICS.slaBreaches, ['tier', tier], breaches);
}

/**
 * A send batch's campaign outcomes, from the counters it adds to its campaigns (shared/campaigns/store.ts,
 * keys `<step>|sent` and `<step>|suppressed:<reason>`): one line for the sends, one for the suppressions.
 */
export function countCampaignOutcomes(deltas: Iterable<CounterDelta>): void {
  let sent = 0;
  let suppressed = 0;
  for (const delta of deltas) {
    for (const [key, by] of delta) {
      if (key.endsWith('|sent')) sent += by;
      else if (key.includes('|suppressed:')) suppressed += by;
    }
  }
  if (sent > 0) count(METRICS.campaignSends, undefined, sent);
  if (suppressed > 0) count(METRICS.campaignSuppressions, undefined, suppressed);
}
