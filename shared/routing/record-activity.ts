import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { answeredSurvey, awaitsSurvey, recordSurveyOutcome, surveyScore } from '../campaigns/survey.js';
import type { Clock } from '../clock.js';
import { type Conversation, type Customer, MAX_ROUTING_DECISIONS, mergedTags } from '../schemas/index.js';
import { updateConversation } from '../store/conversations.js';
import { getCustomer } from '../store/customers.js';
import type { Db } from '../store/db.js';
import { activityIndexKeys, customerKey } from '../store/keys.js';
import { conditionFailedItem } from '../store/write-errors.js';
import { type Classifier, deepest, highest, ruleClassifier } from './classifier.js';
import type { RoutingDefinition } from './definition.js';
import type { RoutingRequest } from './handoff.js';
import { serviceLevelDueTimes } from './sla-policy.js';

/** The routing definition in force and the classifier over it. */
export interface Router {
  readonly definition: RoutingDefinition;
  readonly classifier: Classifier;
}

/** The router of a definition, with the rule classifier. */
export function ruleRouter(definition: RoutingDefinition): Router {
  return { definition, classifier: ruleClassifier(definition) };
}

/**
 * Applies an inbound interaction to its conversation and customer:
 * - the conversation waits on us again (`open`, last inbound time);
 * - the classifier decides tier, skill and priority from the message, the customer's attributes and the
 *   concern's history: the message that opened the conversation places it; a later one can only move it
 *   deeper or raise its priority. Due times follow a changed tier or priority (from the opening time, under
 *   the definition's service levels), and the decision, with the rules that fired, is kept on the
 *   conversation (the latest MAX_ROUTING_DECISIONS);
 * - the customer's last-interaction date moves forward (the segment index, at day granularity).
 * Idempotent and order-tolerant: a decision is applied once per interaction and timestamps only move
 * forward, so a redelivered or late request changes nothing. Returns the conversation as it now stands.
 */
export async function recordInboundActivity(
  db: Db,
  request: RoutingRequest,
  router: Router,
  clock: Clock,
): Promise<Conversation> {
  // The request names the customer at ingest time; a merge since then moves the activity to the survivor.
  const customer = await getCustomer(db, request.customerId);
  const conversation = await touchConversation(db, request, customer, router, clock);
  await touchCustomer(db, customer, request.occurredAt);
  // This message answered the conversation's satisfaction survey: the customer and campaign learn it.
  if (conversation.survey?.answeredAt === request.occurredAt)
    await recordSurveyOutcome(db, conversation, clock);
  return conversation;
}

async function touchConversation(
  db: Db,
  request: RoutingRequest,
  customer: Customer,
  router: Router,
  clock: Clock,
): Promise<Conversation> {
  return updateConversation(db, request.conversationId, (stored) => {
    // A reply of 1-5 to a satisfaction survey is its answer, not a new concern (shared/campaigns/survey.ts).
    const score = awaitsSurvey(stored) ? surveyScore(request.content?.body) : undefined;
    if (score !== undefined && stored.survey && request.occurredAt >= stored.survey.sentAt) {
      return answeredSurvey(stored, score, request, clock.now(), router.definition);
    }
    const conversation = stored.status === 'resolved' ? reopened(stored, request, router) : stored;
    if (conversation === undefined) return undefined;
    const alreadyApplied =
      conversation.lastInboundAt !== undefined && conversation.lastInboundAt >= request.occurredAt;
    const decided =
      request.content === undefined ||
      (conversation.routingDecisions ?? []).some(
        (decision) => decision.interactionId === request.interactionId,
      );
    if (alreadyApplied && conversation.status === 'open' && decided) return undefined;
    const now = clock.now();
    const touched: Conversation = {
      ...conversation,
      status: 'open',
      lastInboundAt: alreadyApplied ? conversation.lastInboundAt : request.occurredAt,
      updatedAt: now,
    };
    return decided ? touched : routed(touched, conversation, request, customer, router, now);
  });
}

/**
 * A resolved conversation that this message reopens: within the definition's reopen window after its
 * resolution it waits on us again, in its tier and skill's queue, with fresh due times from the message.
 * Later, it stays resolved (ingest has opened a new conversation for such a message).
 */
function reopened(
  conversation: Conversation,
  request: RoutingRequest,
  router: Router,
): Conversation | undefined {
  const resolvedAt = conversation.resolvedAt;
  const windowMs = router.definition.reopenWindowHours * 60 * 60 * 1000;
  if (resolvedAt === undefined || Date.parse(request.occurredAt) - Date.parse(resolvedAt) > windowMs) {
    return undefined;
  }
  if (request.occurredAt < resolvedAt) return undefined;
  const {
    resolvedAt: _resolved,
    resolutionCode: _code,
    assignee: _assignee,
    firstRespondedAt: _first,
    ...rest
  } = conversation;
  return {
    ...rest,
    status: 'open',
    reopenedAt: request.occurredAt,
    slaPolicyVersion: router.definition.version,
    ...serviceLevelDueTimes(conversation.tier, conversation.priority, request.occurredAt, router.definition),
  };
}

/** The conversation with this message's routing decision applied and recorded. */
function routed(
  touched: Conversation,
  before: Conversation,
  request: RoutingRequest,
  customer: Customer,
  router: Router,
  now: string,
): Conversation {
  const { classifier, definition } = router;
  const content = request.content ?? { body: '' };
  // Writing again, a while later, on a concern that waits on us (no answer since) is a repeat contact;
  // the message that reopens a resolved concern is not.
  const repeatContact =
    !request.conversationOpened &&
    before.reopenedAt !== request.occurredAt &&
    before.status === 'open' &&
    before.lastInboundAt !== undefined &&
    (before.lastOutboundAt === undefined || before.lastOutboundAt < before.lastInboundAt) &&
    Date.parse(request.occurredAt) - Date.parse(before.lastInboundAt) >=
      definition.repeatContactMinutes * 60_000;
  const decision = classifier.classify({
    message: {
      channel: request.channel,
      subject: content.subject,
      body: content.body,
      language: content.language,
    },
    customer: {
      vip: customer.attributes?.vip,
      openComplaints: customer.attributes?.openComplaints,
      lifetimeValue: customer.attributes?.lifetimeValue,
    },
    history: { repeatContact },
  });
  const placing = request.conversationOpened || before.skill === undefined;
  const tier = placing ? decision.tier : deepest(before.tier, decision.tier);
  const priority = placing ? decision.priority : highest(before.priority, decision.priority);
  const skill = placing ? decision.skill : (before.skill ?? decision.skill);
  const moved = tier !== before.tier || priority !== before.priority;
  // Tags only ever join: the conversation keeps those it has (an agent's among them) and gains the rules'.
  const tags = decision.tags ? mergedTags(touched.tags, decision.tags) : touched.tags;
  return {
    ...touched,
    tier,
    priority,
    skill,
    ...(tags ? { tags } : {}),
    ...(moved
      ? {
          slaPolicyVersion: decision.definitionVersion,
          // The service level runs from the opening, or from the message that reopened the concern.
          ...serviceLevelDueTimes(tier, priority, before.reopenedAt ?? before.openedAt, definition),
        }
      : {}),
    routingDecisions: [
      ...(before.routingDecisions ?? []),
      {
        interactionId: request.interactionId,
        at: now,
        tier,
        skill,
        priority,
        rules: [...decision.rules],
        definitionVersion: decision.definitionVersion,
      },
    ].slice(-MAX_ROUTING_DECISIONS),
  };
}

async function touchCustomer(db: Db, customer: Customer, occurredAt: string): Promise<void> {
  const survivorId = customer.customerId;
  // Segments ask for the day of the last interaction: moving the index entry (three write units)
  // once a day is enough, so a later message on a day already recorded writes nothing.
  if (
    customer.lastInteractionAt !== undefined &&
    customer.lastInteractionAt.slice(0, 10) >= occurredAt.slice(0, 10)
  ) {
    return;
  }
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: customerKey(survivorId),
        UpdateExpression: 'SET lastInteractionAt = :at, gsi3pk = :gsi3pk, gsi3sk = :gsi3sk',
        ConditionExpression:
          'attribute_exists(pk) AND attribute_not_exists(mergedInto) AND (attribute_not_exists(lastInteractionAt) OR lastInteractionAt < :at)',
        ExpressionAttributeValues: {
          ':at': occurredAt,
          ...prefixed(activityIndexKeys(survivorId, occurredAt)),
        },
      }),
    );
  } catch (error) {
    // Not newer than what is recorded (or merged away a moment ago): nothing to move forward.
    if (conditionFailedItem(error) === null) throw error;
  }
}

function prefixed(keys: { gsi3pk: string; gsi3sk: string }) {
  return { ':gsi3pk': keys.gsi3pk, ':gsi3sk': keys.gsi3sk };
}
