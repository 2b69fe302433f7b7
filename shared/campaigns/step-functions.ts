import { type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Orchestrator } from './orchestration.js';

/**
 * The orchestrator on Step Functions: one Standard execution per campaign, named by the campaign id, so
 * a retried launch finds the execution it started (StartExecution is idempotent for the same name and
 * input) instead of starting a second one.
 */
export function stepFunctionsOrchestrator(sfn: SFNClient, stateMachineArn: string): Orchestrator {
  return {
    async start(campaign) {
      const output = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: campaign.campaignId,
          input: JSON.stringify({ campaignId: campaign.campaignId }),
        }),
      );
      if (!output.executionArn) throw new Error('Step Functions returned no execution ARN');
      return output.executionArn;
    },
    async stop(executionArn) {
      await sfn.send(new StopExecutionCommand({ executionArn, cause: 'campaign cancelled' }));
    },
  };
}
