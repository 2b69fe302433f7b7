import * as z from 'zod/mini';
import { IdSchema } from '../schemas/index.js';
import { StoredCampaignSchema } from './definition.js';
import { RecipientSchema } from './store.js';

/** The largest campaign draft accepted (bytes of JSON). */
export const CAMPAIGN_BODY_MAX_BYTES = 64 * 1024;

export const CampaignPathSchema = z.strictObject({ id: IdSchema });

export const RecipientsQuerySchema = z.strictObject({
  status: z.optional(z.enum(['active', 'done'])),
  cursor: z.optional(z.string().check(z.maxLength(200))),
  limit: z.optional(
    z.pipe(z.string().check(z.regex(/^[0-9]{1,3}$/, 'must be a number from 1 to 100')), z.transform(Number)),
  ),
});

/** `GET /v1/campaigns/{id}`: the campaign and its counters per step (`{ offer: { sent: 10 } }`). */
export const CampaignViewSchema = z.extend(StoredCampaignSchema, {
  counters: z.record(z.string(), z.record(z.string(), z.number())),
});

/** `POST /v1/campaigns/{id}/preview`. */
export const CampaignPreviewSchema = z.strictObject({
  campaignId: IdSchema,
  segment: z.optional(
    z.strictObject({
      count: z.number(),
      complete: z.boolean(),
      needsScan: z.boolean(),
      reason: z.optional(z.string()),
      readUnits: z.number(),
    }),
  ),
  samples: z.array(
    z.strictObject({
      customerId: z.optional(IdSchema),
      stepId: z.string(),
      channel: z.enum(['email', 'sms', 'chat']),
      subject: z.optional(z.string()),
      body: z.string(),
    }),
  ),
});

/** `GET /v1/campaigns/{id}/recipients`. */
export const RecipientPageSchema = z.strictObject({
  recipients: z.array(RecipientSchema),
  cursor: z.optional(z.string()),
});
