import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { identitySecretFromText, siteSignature } from '../shared/identity/site-signature.js';
import { normalizeEmail, normalizePhone } from '../shared/ingest/identity.js';

/** What the web-form endpoint answers: the recorded message's id, nothing about any customer. */
const WebFormAcceptedSchema = z.strictObject({ interactionId: z.string().min(1) });

/** The demo fixtures' fields that a site signs for its logged-in users. */
const SignableSchema = z.looseObject({ email: z.string().optional(), phone: z.string().optional() });

/** One seeded submission. */
export interface SeededSubmission {
  readonly fixture: string;
  readonly interactionId: string;
}

/**
 * Seeds demo data the way real data arrives: every `*.json` under `fixturesDir` (web-form request
 * bodies, in name order) is POSTed to the running gateway's web-form route, its email and phone signed
 * with `identitySecret` the way a site signs its logged-in users (docs/identity-trust.md), so the demo
 * customers are proven and one person's submissions make one customer. Their submissionIds make the form
 * idempotent, so seeding again after a restart on the same data directory records nothing twice.
 */
export async function seedWebForms(
  apiUrl: string,
  fixturesDir: string,
  identitySecret: string,
): Promise<SeededSubmission[]> {
  const fixtures = (await readdir(fixturesDir)).filter((name) => name.endsWith('.json')).sort();
  const key = identitySecretFromText(identitySecret);
  const sign = (value: string) => siteSignature(key, value);
  const seeded: SeededSubmission[] = [];
  // One at a time, so timelines get the fixtures' order.
  for (const fixture of fixtures) {
    const body = SignableSchema.parse(JSON.parse(await readFile(join(fixturesDir, fixture), 'utf8')));
    const signed = {
      ...body,
      ...(body.email ? { emailSignature: sign(normalizeEmail(body.email)) } : {}),
      ...(body.phone ? { phoneSignature: sign(normalizePhone(body.phone)) } : {}),
    };
    const response = await fetch(`${apiUrl}/v1/channels/webform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'carebridge-local-seed' },
      body: JSON.stringify(signed),
    });
    const text = await response.text();
    if (response.status !== 202)
      throw new Error(`seeding ${fixture} failed: HTTP ${response.status} ${text}`);
    seeded.push({ fixture, ...WebFormAcceptedSchema.parse(JSON.parse(text)) });
  }
  return seeded;
}
