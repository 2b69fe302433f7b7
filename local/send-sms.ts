import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as z from 'zod';
import { signedTwilioWebhook } from './twilio-webhook-request.js';

/**
 * `npm run local:sms -- --from +14155552671 --body "Where is my parcel?"`: texts the running local
 * stack as a customer would, through a correctly signed Twilio webhook, using the endpoints and auth
 * token `npm start` wrote to .carebridge/local.json. Options: --to (default: the local Twilio number),
 * --sid (a MessageSid to resend, as Twilio does when it retries).
 */

const STATE_FILE = join(fileURLToPath(new URL('..', import.meta.url)), '.carebridge', 'local.json');

const StateSchema = z.looseObject({
  twilio: z.object({
    webhookUrl: z.url(),
    authToken: z.string().min(1),
    accountSid: z.string().min(1),
    number: z.string().min(1),
  }),
  outbox: z.object({ smsUrl: z.url() }),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' },
      body: { type: 'string' },
      to: { type: 'string' },
      sid: { type: 'string' },
    },
  });
  if (values.from === undefined || values.body === undefined) {
    throw new UsageError(
      'usage: npm run local:sms -- --from +14155552671 --body "text" [--to <number>] [--sid SM…]',
    );
  }
  const state = StateSchema.parse(JSON.parse(await readFile(STATE_FILE, 'utf8')));
  const request = signedTwilioWebhook({
    ...state.twilio,
    to: values.to ?? state.twilio.number,
    from: values.from,
    body: values.body,
    ...(values.sid ? { messageSid: values.sid } : {}),
  });
  const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body });
  console.log(`${response.status} ${request.messageSid}\n${await response.text()}`);
  console.log(`Replies (STOP/HELP answers, agent replies): ${state.outbox.smsUrl}`);
  if (!response.ok) process.exitCode = 1;
}

/** Wrong arguments; reported without a stack trace. */
class UsageError extends Error {
  override name = 'UsageError';
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(error.message);
  else if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
    console.error('No .carebridge/local.json: start the local stack first (npm start).');
  } else console.error('sending the SMS failed:', error);
  process.exitCode = 1;
});
