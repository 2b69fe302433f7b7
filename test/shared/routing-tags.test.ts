import { describe, expect, it } from 'vitest';
import { setTags } from '../../shared/agents/tags.js';
import { ingestInbound } from '../../shared/ingest/ingest.js';
import { type ClassificationInput, ruleClassifier } from '../../shared/routing/classifier.js';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import { RoutingDefinitionSchema } from '../../shared/routing/definition-schema.js';
import { routingRequest } from '../../shared/routing/handoff.js';
import { recordInboundActivity, ruleRouter } from '../../shared/routing/record-activity.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { email, inbound, testDb } from '../support/inbound.js';

/** Routing rules that tag: the decision carries the tags, the conversation gets the union. */

function input(body: string): ClassificationInput {
  return { message: { channel: 'webform', body }, customer: {}, history: { repeatContact: false } };
}

describe('a rule with a tags action', () => {
  const classifier = ruleClassifier(ROUTING_DEFINITION);

  it('tags a complaint, praise and product feedback without changing where the concern goes', () => {
    // Act
    const complaint = classifier.classify(input('Your service is terrible.'));
    const praise = classifier.classify(input('Great service, thank you so much!'));
    const idea = classifier.classify(input('It would be nice if the app had a dark mode.'));
    const plain = classifier.classify(input('Hello, I have a question.'));

    // Assess
    expect(complaint).toMatchObject({ tier: 'e', skill: 'general', tags: ['complaint'] });
    expect(praise.tags).toEqual(['praise']);
    expect(idea.tags).toEqual(['product-feedback']);
    expect(plain.tags).toBeUndefined();
  });

  it('gives every tag of the rules that fired, once', () => {
    // Prepare
    const definition = RoutingDefinitionSchema.parse({
      ...ROUTING_DEFINITION,
      rules: [
        { id: 'billing', when: { keywords: ['invoice'] }, route: { skill: 'billing', tags: ['billing'] } },
        { id: 'angry', when: { keywords: ['twice'] }, route: { tags: ['complaint', 'billing'] } },
      ],
    });

    // Act
    const decision = ruleClassifier(definition).classify(input('Invoice charged twice'));

    // Assess
    expect(decision).toMatchObject({
      skill: 'billing',
      rules: ['billing', 'angry'],
      tags: ['billing', 'complaint'],
    });
  });

  it('refuses a tag that is not a name, naming it', () => {
    // Act
    const parsed = RoutingDefinitionSchema.safeParse({
      ...ROUTING_DEFINITION,
      rules: [{ id: 'x', when: { keywords: ['a'] }, route: { tags: ['Not A Tag'] } }],
    });

    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['rules', 0, 'route', 'tags', 0]);
  });
});

describe('tags on a routed conversation', () => {
  const table = useDynamoTable();
  const router = ruleRouter(ROUTING_DEFINITION);

  it('keeps the tags an agent set and adds those of the rules a later message fires', async () => {
    // Prepare
    const db = testDb(table);
    const first = fixedClock('2026-11-26T09:00:00.000Z');
    const opened = await ingestInbound(
      db,
      inbound([email('tagged@example.com')], { body: 'Where is my order?', receivedAt: first.now() }),
      first,
    );
    await recordInboundActivity(db, routingRequest(opened), router, first);
    await setTags(db, opened.conversationId, ['shipping'], fixedClock('2026-11-26T09:10:00.000Z'));
    const later = fixedClock('2026-11-26T09:20:00.000Z');
    const again = await ingestInbound(
      db,
      inbound([email('tagged@example.com')], {
        body: 'Still nothing. Unacceptable.',
        receivedAt: later.now(),
      }),
      later,
    );

    // Act
    const conversation = await recordInboundActivity(db, routingRequest(again), router, later);

    // Assess
    expect(again.conversationId).toBe(opened.conversationId);
    expect(conversation.tags).toEqual(['complaint', 'shipping']);
  });
});
