import { relative, resolve } from 'node:path';
import * as z from 'zod';
import { FaultSpecError, faultsFromEnvironment } from './faults.js';
import { type LocalStack, startLocalStack } from './stack.js';
import { STATE_FILE, writeStateFile } from './state-file.js';

/**
 * `npm start`: the whole backend on this machine, on 127.0.0.1 only. Settings come from the environment:
 * PORT (gateway and chat WebSocket, default 3000); CAREBRIDGE_DATA_DIR (default .carebridge/data,
 * `:memory:` for none); CAREBRIDGE_DYNAMODB_PORT, CAREBRIDGE_SQS_PORT, CAREBRIDGE_SES_PORT,
 * CAREBRIDGE_SMTP_PORT (free ports by default); CAREBRIDGE_EMAIL_DOMAIN (default
 * support.carebridge.local); CAREBRIDGE_TWILIO_AUTH_TOKEN (random at each start by default);
 * CHAT_EMAIL_FALLBACK_DELAY_SECONDS (default 5); CAREBRIDGE_SEED=false to skip the demo data;
 * POWERTOOLS_LOG_LEVEL (default WARN); CAREBRIDGE_CLOCK_OFFSET_MS (time warp, read by shared/clock.ts);
 * CAREBRIDGE_FAULTS and CAREBRIDGE_FAULTS_SEED (fault injection, off by default; see local/faults.ts);
 * CAREBRIDGE_DEMO_PORT (the demo site, PORT + 1 by default); CAREBRIDGE_ALLOWED_ORIGINS (comma-separated
 * origins the API allows by CORS beside the demo site's, for a page of yours that embeds the widget).
 */

const IN_MEMORY = ':memory:';

const PortSchema = z.coerce.number().int().min(0).max(65_535);
const SettingsSchema = z.object({
  PORT: PortSchema.default(3000),
  CAREBRIDGE_DATA_DIR: z.string().trim().min(1).default('.carebridge/data'),
  CAREBRIDGE_DYNAMODB_PORT: PortSchema.default(0),
  CAREBRIDGE_SQS_PORT: PortSchema.default(0),
  CAREBRIDGE_SES_PORT: PortSchema.default(0),
  CAREBRIDGE_SMTP_PORT: PortSchema.default(0),
  CAREBRIDGE_DEMO_PORT: PortSchema.optional(),
  CAREBRIDGE_ALLOWED_ORIGINS: z
    .string()
    .transform((list) => list.split(',').map((origin) => origin.trim()))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s*]+$/, 'must be origins such as http://localhost:8080')))
    .optional(),
  CAREBRIDGE_EMAIL_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain name')
    .default('support.carebridge.local'),
  CAREBRIDGE_TWILIO_AUTH_TOKEN: z.string().trim().min(16).max(256).optional(),
  CHAT_EMAIL_FALLBACK_DELAY_SECONDS: z.coerce.number().int().min(0).max(900).default(5),
  CAREBRIDGE_SEED: z.enum(['true', 'false']).default('true'),
  POWERTOOLS_LOG_LEVEL: z.string().trim().min(1).default('WARN'),
  CAREBRIDGE_CLOCK_OFFSET_MS: z.coerce.number().int().optional(),
});

async function main(): Promise<void> {
  const settings = readSettings();
  const faults = faultsFromEnvironment(process.env) ?? null;
  const startedAt = performance.now();
  const dataDir =
    settings.CAREBRIDGE_DATA_DIR === IN_MEMORY ? undefined : resolve(settings.CAREBRIDGE_DATA_DIR);
  const stack = await startLocalStack({
    port: settings.PORT,
    dynamodbPort: settings.CAREBRIDGE_DYNAMODB_PORT,
    sqsPort: settings.CAREBRIDGE_SQS_PORT,
    sesPort: settings.CAREBRIDGE_SES_PORT,
    smtpPort: settings.CAREBRIDGE_SMTP_PORT,
    emailDomain: settings.CAREBRIDGE_EMAIL_DOMAIN,
    chatFallbackDelaySeconds: settings.CHAT_EMAIL_FALLBACK_DELAY_SECONDS,
    ...(settings.CAREBRIDGE_TWILIO_AUTH_TOKEN
      ? { twilioAuthToken: settings.CAREBRIDGE_TWILIO_AUTH_TOKEN }
      : {}),
    ...(dataDir !== undefined ? { dataDir } : {}),
    seed: settings.CAREBRIDGE_SEED === 'true',
    logLevel: settings.POWERTOOLS_LOG_LEVEL,
    faults,
    ...(settings.CAREBRIDGE_DEMO_PORT === undefined ? {} : { demoPort: settings.CAREBRIDGE_DEMO_PORT }),
    ...(settings.CAREBRIDGE_ALLOWED_ORIGINS ? { allowedOrigins: settings.CAREBRIDGE_ALLOWED_ORIGINS } : {}),
  });
  stopOnSignals(stack);
  await writeStateFile(stack.info);
  printBanner(stack, {
    dataDir,
    startedInMs: performance.now() - startedAt,
    clockOffsetMs: settings.CAREBRIDGE_CLOCK_OFFSET_MS,
  });
}

function readSettings(): z.infer<typeof SettingsSchema> {
  // An empty variable counts as unset.
  const present = Object.fromEntries(
    Object.entries(process.env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = SettingsSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new SettingsError(`invalid settings:\n${problems.join('\n')}`);
}

/** A setting of the environment is invalid; reported without a stack trace. */
class SettingsError extends Error {
  override name = 'SettingsError';
}

function stopOnSignals(stack: LocalStack): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`\n${signal} again: exiting without a clean stop`);
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the local stack...`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stopping failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function printBanner(
  stack: LocalStack,
  run: { dataDir: string | undefined; startedInMs: number; clockOffsetMs: number | undefined },
): void {
  const { info, seeded } = stack;
  const row = (label: string, value: string) => `  ${label.padEnd(13)} ${value}`;
  const state = relative(process.cwd(), STATE_FILE) || STATE_FILE;
  const lines = [
    '',
    `carebridge local stack is up (${(run.startedInMs / 1000).toFixed(1)} s), on 127.0.0.1 only`,
    '',
    row('API', info.apiUrl),
    row('DynamoDB', `${info.dynamodb.endpoint}  table ${info.dynamodb.tableName}`),
    row('SQS, S3', info.sqs.endpoint),
    ...Object.entries(info.sqs.queues).map(([name, url]) => row(`  ${name}`, url)),
    row('SES', `${info.ses.endpoint}  mailbox ${info.ses.mailboxUrl}`),
    row('SNS', `${info.sns.endpoint}  topics ${Object.values(info.sns.topics).join(', ')}`),
    '',
    'Channels:',
    row('email in', `SMTP ${info.smtp.host}:${info.smtp.port}, to anyone@${info.smtp.domain}`),
    row('SMS in', `${info.twilio.webhookUrl} (Twilio-signed; npm run local:sms -- --from +1… --body …)`),
    row('chat', `POST ${info.chat.sessionsUrl}, then ${info.chat.wsUrl}?token=…`),
    row('verify links', `${info.identityVerifyUrl}?token=… (sites sign identities with identitySecret)`),
    row('email out', `${info.outbox.sesUrl} (JSON), ${info.ses.mailboxUrl} (web)`),
    row('SMS out', info.outbox.smsUrl),
    row('domain events', `${info.events.eventsUrl} (bus ${info.events.busName})`),
    '',
    'In the browser:',
    row('API docs', `${info.docsUrl} (OpenAPI at ${info.apiUrl}/v1/openapi.json)`),
    row('demo site', `${info.demoUrl} (chat widget and web form, on another origin)`),
    row('widget', `<script src="${info.widgetUrl}" data-carebridge-api="${info.apiUrl}" defer></script>`),
    '',
    'Agents (tokens in local.json under agents; POST /v1/agents/me/next claims work):',
    ...info.agents.map((agent) => row(agent.id, `tier ${agent.tier}, skills ${agent.skills.join(', ')}`)),
    row('clock', `POST {"seconds": n} to ${info.clock.advanceUrl} moves time forward (SLA sweep runs)`),
    '',
    row('JWT issuer', `${info.issuer}  client id ${info.clientId}`),
    row('data', run.dataDir ?? 'in memory'),
    ...(run.clockOffsetMs ? [row('time warp', `${run.clockOffsetMs} ms ahead`)] : []),
    ...(info.faults ? [row('faults', `${info.faults.spec} (CAREBRIDGE_FAULTS; replay with this spec)`)] : []),
    row(
      'demo data',
      seeded.length === 0
        ? 'not seeded'
        : `${seeded.length} web forms (signed, so each person is one customer)`,
    ),
    '',
    'Dev tokens (valid 12 h, until the next start):',
    ...Object.entries(info.tokens).map(([role, token]) => row(role, token)),
    '',
    `Written to ${state}, with the Twilio auth token and the identity secret. Try:`,
    `  curl -H "Authorization: Bearer $(jq -r .tokens.agent ${state})" \\`,
    `    "${info.apiUrl}/v1/customers?email=ada@example.com"`,
    '',
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError || error instanceof FaultSpecError) {
    console.error(`carebridge local stack: ${error.message}`);
  } else if (error instanceof Error && 'code' in error && error.code === 'EADDRINUSE') {
    console.error(
      `carebridge local stack: ${error.message}; choose other ports with PORT or CAREBRIDGE_*_PORT`,
    );
  } else {
    console.error('carebridge local stack failed to start:', error);
  }
  process.exit(1);
});
