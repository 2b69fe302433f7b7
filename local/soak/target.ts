import * as z from 'zod';
import { FAULT_NAMES } from '../faults.js';

/**
 * The parts of a running stack's description (`.carebridge/local.json`, LocalStackInfo) a soak uses:
 * where to send each channel, the secrets to sign with, and where to check the store and the queues.
 */
export const SoakTargetSchema = z.object({
  apiUrl: z.string().max(2_000),
  dynamodb: z.object({ endpoint: z.string().max(2_000), tableName: z.string().max(255) }),
  sqs: z.object({
    endpoint: z.string().max(2_000),
    queues: z.record(z.string().max(200), z.string().max(2_000)),
  }),
  smtp: z.object({ host: z.string().max(255), port: z.number().int(), domain: z.string().max(253) }),
  twilio: z.object({
    webhookUrl: z.string().max(2_000),
    authToken: z.string().max(256),
    accountSid: z.string().max(64),
    number: z.string().max(32),
  }),
  chat: z.object({ sessionsUrl: z.string().max(2_000), wsUrl: z.string().max(2_000) }),
  identitySecret: z.string().max(256),
  tokens: z.object({ agent: z.string().max(8_000) }),
  outbox: z.object({ sesUrl: z.string().max(2_000), smsUrl: z.string().max(2_000) }),
  faults: z
    .object({
      spec: z.string().max(1_000),
      rates: z.record(z.enum(FAULT_NAMES), z.number()),
      seed: z.number().int(),
    })
    .optional(),
});
export type SoakTarget = z.infer<typeof SoakTargetSchema>;
