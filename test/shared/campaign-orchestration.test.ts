import { describe, expect, it } from 'vitest';
import type { CampaignDraft, StoredCampaign } from '../../shared/campaigns/definition.js';
import {
  changeCampaignState,
  launchCampaign,
  type Orchestrator,
  startRecurrences,
} from '../../shared/campaigns/orchestration.js';
import { createCampaign, getCampaign } from '../../shared/campaigns/store.js';
import { ConflictError } from '../../shared/errors.js';
import { fixedClock } from '../support/chat.js';
import { useDynamoTable } from '../support/dynamodb.js';
import { testDb } from '../support/inbound.js';

const table = useDynamoTable();

const WEEKLY: CampaignDraft = {
  name: 'Weekly win-back',
  kind: 'retention',
  segment: { lastInteractionOlderThanDays: 30 },
  steps: [{ id: 'contact', type: 'contact', note: 'Call them.' }],
  recurrence: { everyDays: 7 },
};

/** An orchestrator that records what it was asked to start and stop. */
function recordingOrchestrator() {
  const started: { campaignId: string; round: number }[] = [];
  const stopped: string[] = [];
  const orchestrator: Orchestrator = {
    async start(campaign: StoredCampaign, round: number) {
      started.push({ campaignId: campaign.campaignId, round });
      return `arn:aws:states:us-east-1:123456789012:execution:campaigns:${campaign.campaignId}-${round}`;
    },
    async stop(executionArn: string) {
      stopped.push(executionArn);
    },
  };
  return { orchestrator, started, stopped };
}

describe('launching and recurring campaigns', () => {
  it('launches a draft once: a second launch is a conflict', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-01T12:00:00.000Z');
    const { orchestrator, started } = recordingOrchestrator();
    const draft = await createCampaign(db, WEEKLY, 'marketer', clock);

    const launched = await launchCampaign(db, orchestrator, draft.campaignId, clock);
    const again = await launchCampaign(db, orchestrator, draft.campaignId, clock).catch(
      (error: unknown) => error,
    );

    expect(launched).toMatchObject({
      status: 'running',
      enrolments: 1,
      lastEnrolledAt: '2026-11-01T12:00:00.000Z',
    });
    expect(launched.executionArn).toContain(draft.campaignId);
    expect(again).toBeInstanceOf(ConflictError);
    expect(started).toEqual([{ campaignId: draft.campaignId, round: 0 }]);
  });

  it('enrols a recurring campaign again once its period has passed, once per period', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-01T12:00:00.000Z');
    const { orchestrator, started } = recordingOrchestrator();
    const weekly = await createCampaign(db, WEEKLY, 'marketer', clock);
    const once = await createCampaign(
      db,
      { ...WEEKLY, name: 'One-off', recurrence: undefined },
      'marketer',
      clock,
    );
    await launchCampaign(db, orchestrator, weekly.campaignId, clock);
    await launchCampaign(db, orchestrator, once.campaignId, clock);

    clock.advance(6 * 86_400_000);
    const early = await startRecurrences(db, orchestrator, clock);
    clock.advance(86_400_000);
    const due = await startRecurrences(db, orchestrator, clock);
    const dueAgain = await startRecurrences(db, orchestrator, clock);

    expect(early).toEqual([]);
    expect(due).toEqual([weekly.campaignId]);
    expect(dueAgain).toEqual([]);
    expect(started.filter((entry) => entry.campaignId === weekly.campaignId)).toEqual([
      { campaignId: weekly.campaignId, round: 0 },
      { campaignId: weekly.campaignId, round: 1 },
    ]);
    expect(await getCampaign(db, weekly.campaignId)).toMatchObject({
      enrolments: 2,
      lastEnrolledAt: '2026-11-08T12:00:00.000Z',
    });
  });

  it('does not recur a paused campaign, and stops the execution of a cancelled one', async () => {
    const db = testDb(table);
    const clock = fixedClock('2026-11-01T12:00:00.000Z');
    const { orchestrator, started, stopped } = recordingOrchestrator();
    const weekly = await createCampaign(db, WEEKLY, 'marketer', clock);
    const launched = await launchCampaign(db, orchestrator, weekly.campaignId, clock);
    await changeCampaignState(db, orchestrator, weekly.campaignId, 'pause', clock);

    clock.advance(8 * 86_400_000);
    const whilePaused = await startRecurrences(db, orchestrator, clock);
    await changeCampaignState(db, orchestrator, weekly.campaignId, 'cancel', clock);
    const resumed = await changeCampaignState(db, orchestrator, weekly.campaignId, 'resume', clock).catch(
      (error: unknown) => error,
    );

    expect(whilePaused).toEqual([]);
    expect(started).toHaveLength(1);
    expect(stopped).toEqual([launched.executionArn]);
    expect(resumed).toBeInstanceOf(ConflictError);
  });
});
