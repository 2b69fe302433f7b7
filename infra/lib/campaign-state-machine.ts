/**
 * The campaign state machine in Amazon States Language, one source for both worlds: the CDK app
 * deploys it (Standard workflow, `DefinitionBody.fromString` with the functions' ARNs substituted) and
 * the local stack runs the same document in aws-local-stepfunctions with the task states mapped to the
 * local handlers. One execution per launched campaign, not per recipient: it enrols the segment page
 * by page, then sends waves of the recipients that are due (each recipient's place lives in the
 * table), waiting between waves until none is left or the campaign is cancelled. A pause is a wave that
 * sends nothing. Docs: docs/campaigns.md.
 */

/** The Lambda functions the task states invoke (their ARNs). */
export interface CampaignStateMachineTargets {
  readonly enrol: string;
  readonly wave: string;
}

/** Names of the states the local runner overrides (the wait follows the stack's clock there). */
export const CAMPAIGN_STATES = { enrol: 'Enrol', wave: 'SendWave', wait: 'WaitForNextWave' } as const;

const RETRY = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.TooManyRequestsException',
      'Lambda.SdkClientException',
      'States.TaskFailed',
    ],
    IntervalSeconds: 5,
    MaxAttempts: 6,
    BackoffRate: 2,
  },
];

/** The definition, with the task functions' ARNs in place. */
export function campaignStateMachineDefinition(targets: CampaignStateMachineTargets) {
  return {
    Comment:
      'carebridge campaign: enrol the segment page by page, then send waves of due recipients until none is left',
    StartAt: CAMPAIGN_STATES.enrol,
    States: {
      [CAMPAIGN_STATES.enrol]: {
        Type: 'Task',
        Comment: 'Enrols one page of the segment (idempotent: a recipient is enrolled once).',
        Resource: targets.enrol,
        Retry: RETRY,
        Next: 'MoreToEnrol',
      },
      MoreToEnrol: {
        Type: 'Choice',
        Choices: [{ Variable: '$.done', BooleanEquals: false, Next: CAMPAIGN_STATES.enrol }],
        Default: CAMPAIGN_STATES.wave,
      },
      [CAMPAIGN_STATES.wave]: {
        Type: 'Task',
        Comment: 'Queues the recipients whose step is due for the send workers; says how long to wait.',
        Resource: targets.wave,
        Parameters: { 'campaignId.$': '$.campaignId' },
        Retry: RETRY,
        Next: 'Finished',
      },
      Finished: {
        Type: 'Choice',
        Choices: [{ Variable: '$.state', StringEquals: 'finished', Next: 'Done' }],
        Default: CAMPAIGN_STATES.wait,
      },
      [CAMPAIGN_STATES.wait]: {
        Type: 'Wait',
        SecondsPath: '$.waitSeconds',
        Next: CAMPAIGN_STATES.wave,
      },
      Done: { Type: 'Succeed' },
    },
  };
}
