/**
 * carebridge's own CloudWatch metrics, declared once: the handlers emit them in embedded metric format
 * (functions/lib/metrics.ts), the CDK dashboard and alarms read them (infra/lib/constructs/care-monitoring.ts).
 * Every metric has the dimension `service` (this value) and at most one more: `channel`, `tier` or, for
 * handler errors, `function_name`. docs/operations.md says which function emits which.
 */
export const METRICS = {
  namespace: 'carebridge',
  service: 'carebridge',
  /** Inbound messages handed to routing, by `channel`. */
  messagesIn: 'MessagesIn',
  /** Messages sent to customers, by `channel`. */
  messagesOut: 'MessagesOut',
  /** Routing decisions applied, by the `tier` the concern is in afterwards. */
  routed: 'Routed',
  /** Conversations the SLA sweep escalated for a missed due time, by the `tier` they were in. */
  slaBreaches: 'SlaBreaches',
  /** Campaign messages sent by the send workers. */
  campaignSends: 'CampaignSends',
  /** Campaign recipients the contact ledger held back (consent, quiet hours, caps, open concerns). */
  campaignSuppressions: 'CampaignSuppressions',
  /**
   * Log entries at ERROR level, by `function_name` (a CloudWatch Logs metric filter on every function's
   * log group, not EMF): unexpected failures, including those the HTTP edge answers with a 500.
   */
  handlerErrors: 'HandlerErrors',
} as const;
