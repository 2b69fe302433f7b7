import { S3Client } from '@aws-sdk/client-s3';
import { CustomerPathSchema } from '../../shared/channels/staff-queries.js';
import { systemClock } from '../../shared/clock.js';
import { requireEnv } from '../../shared/config/env.js';
import { eraseCustomer } from '../../shared/data-rights/erase.js';
import type { RawMailStore } from '../../shared/data-rights/raw-mail.js';
import { createDb } from '../../shared/store/db.js';
import { callerSubject, httpHandler, json, parseInput } from '../lib/http.js';
import { logger } from '../lib/logger.js';

const db = createDb(requireEnv('TABLE_NAME'));
const rawMail: RawMailStore = {
  s3: new S3Client({}),
  bucket: requireEnv('INBOUND_EMAIL_BUCKET'),
  prefix: requireEnv('INBOUND_EMAIL_PREFIX'),
};

/**
 * DELETE /v1/customers/{id} (admin): erases the customer and the customers merged into it: every item,
 * their raw mail, tombstones so a message in flight is dropped (docs/data-rights.md). Answers what was
 * erased, by kind and count; audited. 404 for an unknown id; a retry finishes an erasure cut short.
 */
export const handler = httpHandler(
  async (event) => {
    const { id } = parseInput(CustomerPathSchema, event.pathParameters ?? {});
    const report = await eraseCustomer(db, rawMail, id, callerSubject(event), systemClock);
    logger.info('customer erased', { customers: report.customerIds.length, counts: report.counts });
    return json(200, report);
  },
  { roles: ['admin'] },
);
