import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/** The ids the web-form endpoint answers with. */
const WebFormAcceptedSchema = z.object({
  customerId: z.string().min(1),
  conversationId: z.string().min(1),
  interactionId: z.string().min(1),
});

/** One seeded submission. */
export interface SeededSubmission {
  readonly fixture: string;
  /** 202 when recorded now, 200 when an earlier start already recorded it. */
  readonly status: number;
  readonly customerId: string;
  readonly conversationId: string;
  readonly interactionId: string;
}

/**
 * Seeds demo data the way real data arrives: every `*.json` under `fixturesDir` (web-form request
 * bodies, in name order) is POSTed to the running gateway's web-form route. Their submissionIds make the
 * form idempotent, so seeding again after a restart on the same data directory records nothing twice.
 */
export async function seedWebForms(apiUrl: string, fixturesDir: string): Promise<SeededSubmission[]> {
  const fixtures = (await readdir(fixturesDir)).filter((name) => name.endsWith('.json')).sort();
  const seeded: SeededSubmission[] = [];
  // One at a time, so timelines get the fixtures' order.
  for (const fixture of fixtures) {
    const body = await readFile(join(fixturesDir, fixture), 'utf8');
    const response = await fetch(`${apiUrl}/v1/channels/webform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'carebridge-local-seed' },
      body,
    });
    const text = await response.text();
    if (response.status !== 200 && response.status !== 202) {
      throw new Error(`seeding ${fixture} failed: HTTP ${response.status} ${text}`);
    }
    const ids = WebFormAcceptedSchema.parse(JSON.parse(text));
    seeded.push({ fixture, status: response.status, ...ids });
  }
  return seeded;
}
