import type { FunctionDefinition } from '../manifest.js';

/**
 * Routing and the agent workflow: the route consumer, the routing dry run, agents and their claims, the
 * conversation workflow, the queue overview and the service-level sweep (docs/routing.md).
 */
export const ROUTING_FUNCTIONS = [
  {
    kind: 'queue',
    name: 'route',
    entry: 'functions/route/handler.ts',
    queue: 'routing',
    batchSize: 10,
    access: { table: 'write', sendsTo: ['tier-e', 'tier-1', 'tier-2', 'tier-3'] },
  },
  {
    // The e-level: answers from the knowledge base, or hands the concern to tier 1 (docs/routing.md).
    kind: 'queue',
    name: 'tier-e',
    entry: 'functions/tiers/e-level.ts',
    queue: 'tier-e',
    batchSize: 10,
    access: {
      table: 'write',
      sendsTo: ['tier-1', 'chat-fallback'],
      secrets: ['twilio-auth-token'],
      sendsEmail: true,
      sendsSms: true,
      chatConnections: true,
    },
    timeoutSeconds: 30,
  },
  ...(['1', '2', '3'] as const).map(
    (tier) =>
      ({
        // A human tier: offers a concern that starts waiting to an available agent (push assignment).
        kind: 'queue',
        name: `tier-${tier}`,
        entry: 'functions/tiers/agents.ts',
        queue: `tier-${tier}`,
        batchSize: 10,
        access: { table: 'write' },
      }) as const,
  ),
  {
    // Domain events (conversation.opened, assigned, escalated, resolved, reopened, sla.breached) from
    // each stored change of a conversation, to the EventBridge bus.
    kind: 'stream',
    name: 'events-publish',
    entry: 'functions/events/publish.ts',
    batchSize: 100,
    partitionKeyPrefixes: ['CONVERSATION#'],
    access: { publishesEvents: true },
  },
  {
    kind: 'http',
    name: 'routing-simulate',
    entry: 'functions/routing/simulate.ts',
    method: 'POST',
    path: '/v1/routing/simulate',
    auth: 'staff',
    // A dry run reads recorded messages (a bounded scan) and writes nothing.
    access: { table: 'scan' },
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  {
    kind: 'http',
    name: 'agents-put-profile',
    entry: 'functions/agents/put-profile.ts',
    method: 'PUT',
    path: '/v1/agents/{id}',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'agents-status',
    entry: 'functions/agents/status.ts',
    method: 'PUT',
    path: '/v1/agents/me/status',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'agents-next',
    entry: 'functions/agents/next.ts',
    method: 'POST',
    path: '/v1/agents/me/next',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'conversations-escalate',
    entry: 'functions/conversations/escalate.ts',
    method: 'POST',
    path: '/v1/conversations/{id}/escalate',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'conversations-transfer',
    entry: 'functions/conversations/transfer.ts',
    method: 'POST',
    path: '/v1/conversations/{id}/transfer',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'conversations-resolve',
    entry: 'functions/conversations/resolve.ts',
    method: 'POST',
    path: '/v1/conversations/{id}/resolve',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'conversations-notes',
    entry: 'functions/conversations/notes.ts',
    method: 'POST',
    path: '/v1/conversations/{id}/notes',
    auth: 'staff',
    access: { table: 'write' },
  },
  {
    kind: 'http',
    name: 'queues-get',
    entry: 'functions/queues/get.ts',
    method: 'GET',
    path: '/v1/queues',
    auth: 'staff',
    access: { table: 'read' },
  },
  {
    // Escalates conversations past their due time; docs/routing.md says why a sweep, not a timer each.
    kind: 'schedule',
    name: 'sla-sweep',
    entry: 'functions/routing/sla-sweep.ts',
    everyMinutes: 1,
    access: { table: 'write' },
    timeoutSeconds: 60,
  },
] as const satisfies readonly FunctionDefinition[];
