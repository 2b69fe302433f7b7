import { describe, expect, it } from 'vitest';
import { ROUTING_DEFINITION } from '../../shared/routing/definition.js';
import inForce from '../../shared/routing/definition.json' with { type: 'json' };
import { RoutingDefinitionSchema } from '../../shared/routing/definition-schema.js';

/**
 * The definition in force is data in the repository; it is validated here rather than at every cold
 * start, so a broken file fails CI before it can be deployed.
 */
describe('the routing definition in force', () => {
  it('passes its schema unchanged, so the functions read exactly what was validated', () => {
    const parsed = RoutingDefinitionSchema.safeParse(inForce);

    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data).toEqual(ROUTING_DEFINITION);
  });

  it('names a service level for every tier and priority, and only its own skills in rules', () => {
    for (const tier of ['e', '1', '2', '3'] as const) {
      for (const priority of ['low', 'normal', 'high', 'urgent'] as const) {
        expect(ROUTING_DEFINITION.serviceLevels[tier][priority].firstResponseMinutes).toBeGreaterThan(0);
      }
    }
    for (const rule of ROUTING_DEFINITION.rules) {
      if (rule.route.skill) expect(ROUTING_DEFINITION.skills).toContain(rule.route.skill);
    }
  });
});
