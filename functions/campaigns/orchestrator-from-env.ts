import { SFNClient } from '@aws-sdk/client-sfn';
import { stepFunctionsOrchestrator } from '../../shared/campaigns/step-functions.js';
import { requireEnv } from '../../shared/config/env.js';

/** The campaign state machine of this deployment (CAMPAIGN_STATE_MACHINE_ARN), through Step Functions. */
export function orchestratorFromEnv() {
  return stepFunctionsOrchestrator(new SFNClient({}), requireEnv('CAMPAIGN_STATE_MACHINE_ARN'));
}
