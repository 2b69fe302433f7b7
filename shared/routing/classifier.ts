import type { Channel, Priority, Tier } from '../schemas/index.js';
import {
  PRIORITY_ORDER,
  type RoutingDefinition,
  type RuleAction,
  type RuleCondition,
  TIER_ORDER,
} from './definition.js';

/** What classification looks at: the message, the customer's attributes and the concern's history. */
export interface ClassificationInput {
  readonly message: {
    readonly channel: Channel;
    readonly subject?: string | undefined;
    readonly body: string;
    /** Primary language subtag, when the channel tells it. */
    readonly language?: string | undefined;
  };
  readonly customer: {
    readonly vip?: boolean | undefined;
    readonly openComplaints?: number | undefined;
    readonly lifetimeValue?: number | undefined;
  };
  readonly history: {
    /** The customer writes again on an open concern before we answered. */
    readonly repeatContact: boolean;
  };
}

/** Where a concern goes, and why: the rules that fired, in order, under which definition version. */
export interface RoutingDecision {
  readonly tier: Tier;
  readonly skill: string;
  readonly priority: Priority;
  readonly rules: readonly string[];
  readonly definitionVersion: string;
  /** Tags the rules that fired give the conversation (their `tags` actions, in order); absent when none. */
  readonly tags?: readonly string[];
}

/** Decides where a concern goes. The rules are one implementation; a model-based one can replace them. */
export interface Classifier {
  classify(input: ClassificationInput): RoutingDecision;
}

/**
 * The rule classifier: starts from the definition's default assignment and applies every rule whose
 * conditions all hold, in the definition's order (a later rule's `tier`, `skill` or `priority` overrides
 * an earlier one; `tierAtLeast`, `priorityAtLeast` and `deeper` only ever move up). Pure and synchronous.
 */
export function ruleClassifier(definition: RoutingDefinition): Classifier {
  const rules = definition.rules.map((rule) => ({ rule, matches: conditionMatcher(rule.when) }));
  return {
    classify(input) {
      const text = normalized(`${input.message.subject ?? ''}\n${input.message.body}`);
      const words = new Set(text.split(/[^\p{L}\p{N}]+/u).filter(Boolean));
      let { tier, skill, priority } = definition.defaultAssignment;
      const fired: string[] = [];
      const tags = new Set<string>();
      for (const { rule, matches } of rules) {
        if (!matches(input, text, words)) continue;
        ({ tier, skill, priority } = applied(rule.route, { tier, skill, priority }));
        fired.push(rule.id);
        for (const tag of rule.route.tags ?? []) tags.add(tag);
      }
      return {
        tier,
        skill,
        priority,
        rules: fired,
        definitionVersion: definition.version,
        ...(tags.size > 0 ? { tags: [...tags] } : {}),
      };
    },
  };
}

type Matcher = (input: ClassificationInput, text: string, words: ReadonlySet<string>) => boolean;

function conditionMatcher(when: RuleCondition): Matcher {
  const keywords = when.keywords?.map(normalized);
  const phrases = when.phrases?.map(normalized);
  return (input, text, words) => {
    if (when.channels && !when.channels.includes(input.message.channel)) return false;
    if (keywords && !keywords.some((keyword) => words.has(keyword))) return false;
    if (phrases && !phrases.some((phrase) => text.includes(phrase))) return false;
    if (when.languages) {
      const language = input.message.language?.toLowerCase().split('-')[0];
      if (language === undefined || !when.languages.includes(language)) return false;
    }
    const customer = when.customer;
    if (customer?.vip && input.customer.vip !== true) return false;
    if (
      customer?.openComplaintsAtLeast !== undefined &&
      (input.customer.openComplaints ?? 0) < customer.openComplaintsAtLeast
    )
      return false;
    if (
      customer?.lifetimeValueAtLeast !== undefined &&
      (input.customer.lifetimeValue === undefined ||
        input.customer.lifetimeValue < customer.lifetimeValueAtLeast)
    )
      return false;
    if (when.history?.repeatContact && !input.history.repeatContact) return false;
    return true;
  };
}

interface Assignment {
  readonly tier: Tier;
  readonly skill: string;
  readonly priority: Priority;
}

function applied(action: RuleAction, current: Assignment): Assignment {
  let tier = action.tier ?? current.tier;
  const skill = action.skill ?? current.skill;
  let priority = action.priority ?? current.priority;
  if (action.tierAtLeast) tier = deepest(tier, action.tierAtLeast);
  if (action.priorityAtLeast) priority = highest(priority, action.priorityAtLeast);
  for (let step = 0; step < (action.deeper ?? 0); step++) {
    const next = TIER_ORDER[TIER_ORDER.indexOf(tier) + 1];
    if (next) tier = next;
    else priority = PRIORITY_ORDER[PRIORITY_ORDER.indexOf(priority) + 1] ?? priority;
  }
  return { tier, skill, priority };
}

/** The deeper of two tiers. */
export function deepest(a: Tier, b: Tier): Tier {
  return TIER_ORDER.indexOf(a) >= TIER_ORDER.indexOf(b) ? a : b;
}

/** The higher of two priorities. */
export function highest(a: Priority, b: Priority): Priority {
  return PRIORITY_ORDER.indexOf(a) >= PRIORITY_ORDER.indexOf(b) ? a : b;
}

/** Lower-cased, whitespace collapsed: what keywords and phrases are compared against. */
function normalized(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}
