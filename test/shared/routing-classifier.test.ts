import { describe, expect, it } from 'vitest';
import { type ClassificationInput, ruleClassifier } from '../../shared/routing/classifier.js';
import { ROUTING_DEFINITION, type RoutingDefinition } from '../../shared/routing/definition.js';
import { RoutingDefinitionSchema } from '../../shared/routing/definition-schema.js';

const classifier = ruleClassifier(ROUTING_DEFINITION);

function input(body: string, changes: Partial<ClassificationInput> = {}): ClassificationInput {
  return {
    message: { channel: 'webform', body, ...changes.message },
    customer: { ...changes.customer },
    history: { repeatContact: false, ...changes.history },
  };
}

describe('the rule classifier over the definition in force', () => {
  it('gives an ordinary message the default assignment, the e-level first, and names no rule', () => {
    expect(classifier.classify(input('Hello, I have a question.'))).toEqual({
      tier: 'e',
      skill: 'general',
      priority: 'normal',
      rules: [],
      definitionVersion: ROUTING_DEFINITION.version,
    });
  });

  it('sends billing words to billing and names the rule that fired', () => {
    const decision = classifier.classify(input('My last INVOICE was charged twice.'));

    expect(decision).toMatchObject({ tier: '1', skill: 'billing', priority: 'normal', rules: ['billing'] });
  });

  it('matches phrases across spacing and makes suspected fraud urgent at tier 2', () => {
    const decision = classifier.classify(input('There is an unauthorized\n   charge on my card!'));

    expect(decision).toMatchObject({ tier: '2', skill: 'billing', priority: 'urgent' });
    expect(decision.rules).toEqual(['billing', 'fraud-urgent']);
  });

  it('matches keywords as whole words only', () => {
    expect(classifier.classify(input('I love the planetarium.')).skill).toBe('general');
    expect(classifier.classify(input('Which plan suits me?')).skill).toBe('sales');
  });

  it('raises priority for a VIP, goes deeper for an open complaint, and for a repeat contact', () => {
    const vip = classifier.classify(input('Hello', { customer: { vip: true } }));
    const complaint = classifier.classify(input('Hello', { customer: { openComplaints: 2 } }));
    const valuable = classifier.classify(input('Hello', { customer: { lifetimeValue: 25_000 } }));
    const repeat = classifier.classify(input('Hello again?', { history: { repeatContact: true } }));

    expect(vip).toMatchObject({ priority: 'high', rules: ['vip'] });
    expect(complaint).toMatchObject({ tier: '2', rules: ['open-complaint'] });
    expect(valuable).toMatchObject({ priority: 'high', rules: ['high-value'] });
    expect(repeat).toMatchObject({ tier: '1', rules: ['repeat-contact'] });
  });

  it('sends a request for a person past the e-level, whatever the channel', () => {
    const sms = classifier.classify(input('AGENT', { message: { channel: 'sms', body: 'AGENT' } }));
    const email = classifier.classify(input('Can I talk to a human please?'));

    expect(sms).toMatchObject({ tier: '1', skill: 'general', rules: ['asks-for-agent'] });
    expect(email).toMatchObject({ tier: '1', rules: ['asks-for-agent'] });
  });

  it('uses the language only when the channel tells it', () => {
    const german = classifier.classify(
      input('Hallo', { message: { channel: 'email', body: 'Hallo', language: 'de-CH' } }),
    );
    const unknown = classifier.classify(input('Hallo'));

    expect(german.rules).toEqual(['other-language']);
    expect(unknown.rules).toEqual([]);
  });
});

describe('rule semantics', () => {
  const definition: RoutingDefinition = RoutingDefinitionSchema.parse({
    ...ROUTING_DEFINITION,
    version: 'test-1',
    rules: [
      { id: 'faq', when: { phrases: ['opening hours'] }, route: { tier: 'e' } },
      { id: 'chat-sales', when: { channels: ['chat'], keywords: ['price'] }, route: { skill: 'sales' } },
      { id: 'repeat', when: { history: { repeatContact: true } }, route: { deeper: 2 } },
    ],
  });
  const rules = ruleClassifier(definition);

  it('needs every condition of a rule to hold', () => {
    expect(rules.classify(input('What is the price?')).skill).toBe('general');
    expect(
      rules.classify(
        input('What is the price?', { message: { channel: 'chat', body: 'What is the price?' } }),
      ).skill,
    ).toBe('sales');
  });

  it('moves deeper one tier per step and raises the priority past tier 3', () => {
    const fromE = rules.classify(input('Your opening hours?', { history: { repeatContact: true } }));
    const fromTwo = ruleClassifier({
      ...definition,
      defaultAssignment: { tier: '2', skill: 'general', priority: 'normal' },
    }).classify(input('Hi', { history: { repeatContact: true } }));

    expect(fromE).toMatchObject({ tier: '2', rules: ['faq', 'repeat'] });
    expect(fromTwo).toMatchObject({ tier: '3', priority: 'high' });
  });
});

describe('RoutingDefinitionSchema', () => {
  it('names each field a broken definition gets wrong', () => {
    const malformed = RoutingDefinitionSchema.safeParse({
      ...ROUTING_DEFINITION,
      rules: [{ id: 'Bad Id', when: { keywords: [] }, route: { tier: 'x' } }],
    });
    const inconsistent = RoutingDefinitionSchema.safeParse({
      ...ROUTING_DEFINITION,
      defaultAssignment: { tier: '1', skill: 'nobody', priority: 'normal' },
      rules: [
        { id: 'same', when: { keywords: ['a'] }, route: { skill: 'unknown-skill' } },
        { id: 'same', when: {}, route: {} },
      ],
    });

    const paths = (result: typeof malformed) =>
      result.error?.issues.map((issue) => issue.path.join('.')).sort();
    expect(paths(malformed)).toEqual(['rules.0.id', 'rules.0.route.tier', 'rules.0.when.keywords']);
    expect(paths(inconsistent)).toEqual([
      'defaultAssignment.skill',
      'rules.0.route.skill',
      'rules.1.id',
      'rules.1.route',
      'rules.1.when',
    ]);
  });

  it('accepts the definition in the repository', () => {
    expect(RoutingDefinitionSchema.safeParse(ROUTING_DEFINITION).success).toBe(true);
    expect(ROUTING_DEFINITION.skills).toEqual(
      expect.arrayContaining(['general', 'billing', 'technical', 'sales']),
    );
  });
});
