import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { channelsOf, render, type StoredCampaign } from './definition.js';
import { planSegment } from './segment-plan.js';
import { countSegment, readSegment } from './segment-read.js';

/** How many members a preview counts at most, and how many it renders messages for. */
const PREVIEW_COUNT_LIMIT = 10_000;
const PREVIEW_SAMPLES = 3;

/** `POST /v1/campaigns/{id}/preview`: what a launch would do, nothing sent and nothing written. */
export interface CampaignPreview {
  readonly campaignId: string;
  /** Retention: the segment's size (up to PREVIEW_COUNT_LIMIT, `complete` false beyond). */
  readonly segment?: {
    readonly count: number;
    readonly complete: boolean;
    readonly needsScan: boolean;
    readonly reason?: string;
    /** Read units the preview itself consumed. */
    readonly readUnits: number;
  };
  /** The first message of the first members, rendered per channel. */
  readonly samples: readonly {
    readonly customerId?: string;
    readonly stepId: string;
    readonly channel: 'email' | 'sms' | 'chat';
    readonly subject?: string;
    readonly body: string;
  }[];
}

export async function previewCampaign(
  db: Db,
  campaign: StoredCampaign,
  clock: Clock,
): Promise<CampaignPreview> {
  const step = campaign.draft.steps.find(
    (candidate) => candidate.type === 'message' || candidate.type === 'survey',
  );
  const renderFor = (profile: { customerId?: string; name?: string | undefined }) =>
    step && (step.type === 'message' || step.type === 'survey')
      ? channelsOf(step).flatMap((channel) => {
          const template = step.templates[channel];
          if (!template) return [];
          return [
            {
              ...(profile.customerId ? { customerId: profile.customerId } : {}),
              stepId: step.id,
              channel,
              ...('subject' in template ? { subject: render(template.subject, profile) } : {}),
              body: render(template.body, profile),
            },
          ];
        })
      : [];
  const segment = campaign.draft.segment;
  if (segment === undefined) {
    return { campaignId: campaign.campaignId, samples: renderFor({ name: 'Ada Lovelace' }) };
  }
  const now = clock.now();
  const plan = planSegment(segment, now);
  if (plan.needsScan) {
    return {
      campaignId: campaign.campaignId,
      segment: {
        count: 0,
        complete: false,
        needsScan: true,
        ...(plan.reason ? { reason: plan.reason } : {}),
        readUnits: 0,
      },
      samples: [],
    };
  }
  const [count, page] = await Promise.all([
    countSegment(db, segment, { now, limit: PREVIEW_COUNT_LIMIT }),
    readSegment(db, segment, { now, pageSize: PREVIEW_SAMPLES }),
  ]);
  return {
    campaignId: campaign.campaignId,
    segment: {
      count: count.count,
      complete: count.complete,
      needsScan: false,
      readUnits: Math.round((count.readUnits + page.readUnits) * 100) / 100,
    },
    samples: page.customers.flatMap((customer) => renderFor(customer)),
  };
}
