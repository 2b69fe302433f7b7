import { type SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Orchestrator } from './orchestration.js';

/**
 * The orchestrator on Step Functions: one Standard execution per campaign enrolment, named by the
 * campaign id (and the round of a recurrence), so a retried start finds the execution it started
 * (StartExecution is idempotent for the same name and input) instead of starting a second one.
 */
export function stepFunctionsOrchestrator(sfn: SFNClient, stateMachineArn: string): Orchestrator {
  return {
    async start(campaign, round) {
      const output = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn,
          name: round === 0 ? campaign.campaignId : `${campaign.campaignId}-${round}`,
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
