import aslValidator from 'asl-validator';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../functions/manifest.js';
import { readAppContext } from '../../infra/lib/app-context.js';
import { CAMPAIGN_STATES, campaignStateMachineDefinition } from '../../infra/lib/campaign-state-machine.js';
import { CarebridgeStack } from '../../infra/lib/carebridge-stack.js';
import { unbundledApp } from './support.js';

/**
 * Issue 8: the campaign state machine is one Amazon States Language document, deployed by the CDK app
 * with the task functions' ARNs substituted and run locally in aws-local-stepfunctions.
 */

const ARN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:carebridge-${name}`;

describe('the campaign state machine', () => {
  it('is valid States Language, as written and as the CDK app synthesizes it', () => {
    const app = unbundledApp();
    const { stage, ...settings } = readAppContext(app);
    const template = Template.fromStack(
      new CarebridgeStack(app, `carebridge-${stage}`, { stage, ...settings }),
    );
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    // The definition substitutions Step Functions fills in at deploy time.
    const synthesized = String(machine?.Properties.DefinitionString)
      .replace(/\$\{Enrol\}/, ARN('campaigns-enrol'))
      .replace(/\$\{SendWave\}/, ARN('campaigns-wave'));

    for (const definition of [
      campaignStateMachineDefinition({ enrol: ARN('campaigns-enrol'), wave: ARN('campaigns-wave') }),
      JSON.parse(synthesized),
    ]) {
      const validation = aslValidator(definition);
      expect(validation.errorsText('; ')).toBe('');
      expect(validation.isValid).toBe(true);
    }
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      DefinitionSubstitutions: {
        Enrol: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CampaignsEnrolFunction'), 'Arn'] },
        SendWave: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CampaignsWaveFunction'), 'Arn'] },
      },
    });
  });

  it('has a task function in the manifest for each of its task states', () => {
    const states = FUNCTIONS.flatMap((definition) => (definition.kind === 'task' ? [definition.state] : []));
    expect(states.sort()).toEqual([CAMPAIGN_STATES.enrol, CAMPAIGN_STATES.wave].sort());
  });

  it('enrols page after page, then sends waves with waits in between until a wave says it is finished', async () => {
    const calls: string[] = [];
    let enrolPages = 0;
    let waves = 0;
    const machine = new StateMachine(
      campaignStateMachineDefinition({ enrol: ARN('campaigns-enrol'), wave: ARN('campaigns-wave') }) as never,
    );

    const output = await machine.run({ campaignId: 'c-1' } as never, {
      overrides: {
        taskResourceLocalHandlers: {
          [CAMPAIGN_STATES.enrol]: async (input) => {
            enrolPages += 1;
            calls.push(`enrol:${JSON.stringify(input)}`);
            const page: Record<string, string | boolean> =
              enrolPages < 3
                ? { campaignId: 'c-1', cursor: `page-${enrolPages}`, done: false }
                : { campaignId: 'c-1', done: true };
            return page;
          },
          [CAMPAIGN_STATES.wave]: async (input) => {
            waves += 1;
            calls.push(`wave:${JSON.stringify(input)}`);
            return { campaignId: 'c-1', state: waves < 3 ? 'running' : 'finished', waitSeconds: 3600 };
          },
        },
        waitTimeOverrides: { [CAMPAIGN_STATES.wait]: 1 },
      },
    }).result;

    expect(calls).toEqual([
      'enrol:{"campaignId":"c-1"}',
      'enrol:{"campaignId":"c-1","cursor":"page-1","done":false}',
      'enrol:{"campaignId":"c-1","cursor":"page-2","done":false}',
      'wave:{"campaignId":"c-1"}',
      'wave:{"campaignId":"c-1"}',
      'wave:{"campaignId":"c-1"}',
    ]);
    expect(output).toMatchObject({ state: 'finished' });
  });
});
