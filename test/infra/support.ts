import { readFileSync } from 'node:fs';
import { App, type Duration, type PolicyViolation, Validations } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { FUNCTION_RUNTIME } from '../../infra/lib/constructs/care-function.js';

const cdkJson: unknown = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));

/** The context of cdk.json (feature flags, default stage), so tests synthesize what `cdk synth` does. */
export function projectContext(): Record<string, unknown> {
  if (typeof cdkJson !== 'object' || cdkJson === null || !('context' in cdkJson)) return {};
  const { context } = cdkJson;
  return typeof context === 'object' && context !== null ? { ...context } : {};
}

/** An app with the project's context, plus `context` on top. */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...projectContext(), ...context } });
}

/** An app that skips esbuild bundling, for tests of things other than function code. */
export function unbundledApp(context: Record<string, unknown> = {}): App {
  return testApp({ 'aws:cdk:bundling-stacks': [], ...context });
}

/** A function with inline code, for construct tests where bundling is not under test. */
export function inlineFunction(scope: Construct, id: string, timeout?: Duration): LambdaFunction {
  return new LambdaFunction(scope, id, {
    runtime: FUNCTION_RUNTIME,
    timeout,
    handler: 'index.handler',
    code: Code.fromInline('export const handler = async () => ({});'),
  });
}

/**
 * AwsSolutions findings (errors and warnings) under `scope` that no acknowledgement covers, as
 * `<rule> at <construct path>`. Synthesize first, so every resource exists.
 */
export function nagFindings(scope: IConstruct): string[] {
  const violations: PolicyViolation[] = new AwsSolutionsChecks().validateScope(scope).violations;
  return violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

/** Every acknowledged rule id under `scope`, with the construct path it is acknowledged on. */
export function acknowledgements(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries<unknown>(entry.data ?? {}).map(([id, reason]) => ({
          path: construct.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason: String(reason),
        })),
      ),
  );
}
