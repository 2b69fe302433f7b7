import type { Clock } from '../clock.js';
import type { Customer, Interaction, Priority, Tier } from '../schemas/index.js';
import type { Db } from '../store/db.js';
import { getCustomerProfiles, scanInteractionsSince } from '../store/recent-interactions.js';
import { type Classifier, deepest, highest, ruleClassifier } from './classifier.js';
import type { RoutingDefinition } from './definition.js';
import { serviceLevelDueTimes } from './sla-policy.js';

/** What one definition makes of the replayed messages. */
export interface DefinitionOutcome {
  readonly version: string;
  /** Messages per tier their decision put the conversation at. */
  readonly tiers: Readonly<Record<Tier, number>>;
  readonly skills: Readonly<Record<string, number>>;
  readonly priorities: Readonly<Record<Priority, number>>;
  /** Conversations the automated e-level would answer (placed at tier e and never moved deeper). */
  readonly eLevelConversations: number;
  /** Conversations whose recorded first answer came after (or, unanswered, is now past) the due time. */
  readonly predictedFirstResponseBreaches: number;
  /** How often each rule fired. */
  readonly rulesFired: Readonly<Record<string, number>>;
}

/** The answer of a dry run: both definitions' outcomes over the same messages, and where they differ. */
export interface SimulationReport {
  readonly window: { readonly from: string; readonly to: string };
  readonly messages: number;
  readonly conversations: number;
  /** False when the read bounds cut the replay short (then it covers a part of the window). */
  readonly complete: boolean;
  /** Read capacity the replay consumed. */
  readonly readUnits: number;
  readonly inForce: DefinitionOutcome;
  readonly candidate: DefinitionOutcome;
  /** Messages whose tier, skill or priority differs between the two. */
  readonly changedMessages: number;
  /** Up to 20 of them, for a supervisor to read. */
  readonly examples: readonly SimulationExample[];
}

export interface SimulationExample {
  readonly interactionId: string;
  readonly conversationId: string;
  readonly inForce: Assignment;
  readonly candidate: Assignment;
}

interface Assignment {
  readonly tier: Tier;
  readonly skill: string;
  readonly priority: Priority;
  readonly rules: readonly string[];
}

const MAX_EXAMPLES = 20;

/**
 * Replays the recorded messages of the last `days` days through the definition in force and a candidate,
 * writing nothing, and reports how tiers, skills, priorities, e-level answers and predicted first-response
 * breaches would change (`POST /v1/routing/simulate`).
 */
export async function simulateRouting(
  db: Db,
  inForce: RoutingDefinition,
  candidate: RoutingDefinition,
  window: { readonly days: number; readonly maxMessages: number },
  clock: Clock,
): Promise<SimulationReport> {
  const to = clock.now();
  const from = new Date(Date.parse(to) - window.days * 24 * 60 * 60 * 1000).toISOString();
  const recent = await scanInteractionsSince(db, from, { maxItems: window.maxMessages * 2, maxPages: 50 });
  const customers = await getCustomerProfiles(
    db,
    recent.interactions.map((interaction) => interaction.customerId),
  );
  return {
    window: { from, to },
    complete: recent.complete,
    readUnits: recent.readUnits,
    ...replay(recent.interactions, customers, inForce, candidate, to, window.maxMessages),
  };
}

/** The replay itself: pure, so it is tested without a table. */
export function replay(
  interactions: readonly Interaction[],
  customers: ReadonlyMap<string, Customer>,
  inForce: RoutingDefinition,
  candidate: RoutingDefinition,
  now: string,
  maxMessages: number,
): Omit<SimulationReport, 'window' | 'complete' | 'readUnits'> {
  const runs = [run(inForce), run(candidate)] as const;
  const conversations = new Map<string, ConversationState>();
  const examples: SimulationExample[] = [];
  let messages = 0;
  let changedMessages = 0;

  for (const interaction of [...interactions].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))) {
    let state = conversations.get(interaction.conversationId);
    if (interaction.direction === 'outbound') {
      if (state) {
        state.waitingOnUs = false;
        state.firstOutboundAt ??= interaction.occurredAt;
      }
      continue;
    }
    if (interaction.routing === 'record-only' || messages >= maxMessages) continue;
    messages += 1;
    const placing = state === undefined;
    if (!state) {
      state = {
        openedAt: interaction.occurredAt,
        waitingOnUs: false,
        lastInboundAt: undefined,
        assignments: [undefined, undefined],
      };
      conversations.set(interaction.conversationId, state);
    }
    const previousInboundAt = state.lastInboundAt;
    const attributes = customers.get(interaction.customerId)?.attributes;
    const [current, next] = runs.map((definitionRun, index) => {
      const before = state.assignments[index];
      // As the route consumer decides it (shared/routing/record-activity.ts), under each definition's own threshold.
      const repeatContact =
        !placing &&
        state.waitingOnUs &&
        previousInboundAt !== undefined &&
        Date.parse(interaction.occurredAt) - Date.parse(previousInboundAt) >=
          definitionRun.definition.repeatContactMinutes * 60_000;
      const decision = definitionRun.classifier.classify({
        message: {
          channel: interaction.channel,
          subject: interaction.subject,
          body: interaction.body,
          language: interaction.providerRefs.language,
        },
        customer: {
          vip: attributes?.vip,
          openComplaints: attributes?.openComplaints,
          lifetimeValue: attributes?.lifetimeValue,
        },
        history: { repeatContact },
      });
      const assignment: Assignment = before
        ? {
            tier: deepest(before.tier, decision.tier),
            skill: before.skill,
            priority: highest(before.priority, decision.priority),
            rules: decision.rules,
          }
        : { tier: decision.tier, skill: decision.skill, priority: decision.priority, rules: decision.rules };
      state.assignments[index] = assignment;
      definitionRun.count(assignment);
      return assignment;
    });
    state.waitingOnUs = true;
    state.lastInboundAt = interaction.occurredAt;
    if (current && next && differs(current, next)) {
      changedMessages += 1;
      if (examples.length < MAX_EXAMPLES) {
        examples.push({
          interactionId: interaction.interactionId,
          conversationId: interaction.conversationId,
          inForce: current,
          candidate: next,
        });
      }
    }
  }

  const outcomes = runs.map((definitionRun, index) =>
    definitionRun.outcome([...conversations.values()], index, now),
  );
  return {
    messages,
    conversations: conversations.size,
    inForce: outcomes[0] as DefinitionOutcome,
    candidate: outcomes[1] as DefinitionOutcome,
    changedMessages,
    examples,
  };
}

interface ConversationState {
  readonly openedAt: string;
  waitingOnUs: boolean;
  lastInboundAt: string | undefined;
  firstOutboundAt?: string;
  /** The assignment under the definition in force [0] and the candidate [1]. */
  readonly assignments: (Assignment | undefined)[];
}

function run(definition: RoutingDefinition) {
  const classifier: Classifier = ruleClassifier(definition);
  const tiers: Record<Tier, number> = { e: 0, '1': 0, '2': 0, '3': 0 };
  const priorities: Record<Priority, number> = { low: 0, normal: 0, high: 0, urgent: 0 };
  const skills: Record<string, number> = {};
  const rulesFired: Record<string, number> = {};
  return {
    definition,
    classifier,
    count(assignment: Assignment) {
      tiers[assignment.tier] += 1;
      priorities[assignment.priority] += 1;
      skills[assignment.skill] = (skills[assignment.skill] ?? 0) + 1;
      for (const rule of assignment.rules) rulesFired[rule] = (rulesFired[rule] ?? 0) + 1;
    },
    outcome(conversations: readonly ConversationState[], index: number, now: string): DefinitionOutcome {
      let eLevelConversations = 0;
      let predictedFirstResponseBreaches = 0;
      for (const conversation of conversations) {
        const assignment = conversation.assignments[index];
        if (!assignment) continue;
        if (assignment.tier === 'e') eLevelConversations += 1;
        const { firstResponseDueAt } = serviceLevelDueTimes(
          assignment.tier,
          assignment.priority,
          conversation.openedAt,
          definition,
        );
        const answeredAt = conversation.firstOutboundAt ?? now;
        if (answeredAt > firstResponseDueAt) predictedFirstResponseBreaches += 1;
      }
      return {
        version: definition.version,
        tiers,
        skills,
        priorities,
        eLevelConversations,
        predictedFirstResponseBreaches,
        rulesFired,
      };
    },
  };
}

function differs(a: Assignment, b: Assignment): boolean {
  return a.tier !== b.tier || a.skill !== b.skill || a.priority !== b.priority;
}
