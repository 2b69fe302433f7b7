import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SQSClient } from '@aws-sdk/client-sqs';
import { QUEUES } from '../functions/manifest.js';
import { LOCAL_REGION } from '../local/stack.js';
import { STATE_FILE } from '../local/state-file.js';
import {
  isQueueName,
  localTarget,
  RedriveError,
  type RedriveTarget,
  redrive,
  stackTarget,
} from './dead-letter-redrive.js';

/**
 * `npm run redrive -- <queue> [--stack <name>] [--max <n>] [--state <file>]`: moves the messages in a work
 * queue's dead-letter queue back to the queue (docs/operations.md). `<queue>` is a queue of
 * functions/manifest.ts (routing, tier-e, campaign-send, …). With `--stack carebridge-prod` it works on
 * that deployed stack with the AWS SDK's default credentials and region; without, on the local stack that
 * `npm start` runs (.carebridge/local.json, or `--state`). `--max` bounds the messages moved by hand
 * where the endpoint has no message move task (default 1000).
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { stack: { type: 'string' }, max: { type: 'string' }, state: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0 || !isQueueName(name)) {
    throw new UsageError(`name one queue: ${Object.keys(QUEUES).join(', ')}`);
  }
  const max = Number(values.max ?? 1000);
  if (!Number.isInteger(max) || max < 1 || max > 100_000) throw new UsageError('--max must be 1 to 100000');

  let sqs: SQSClient;
  let target: RedriveTarget;
  if (values.stack) {
    sqs = new SQSClient({});
    target = await stackTarget(new CloudFormationClient({}), sqs, values.stack, name);
  } else {
    const path = values.state ?? STATE_FILE;
    const text = await readFile(path, 'utf8').catch(() => {
      throw new RedriveError(
        `no local stack state at ${path}: run npm start, or name a deployed stack with --stack`,
      );
    });
    const local = localTarget(JSON.parse(text), name);
    // The emulator checks no signature; fixed credentials keep a developer's profile out of it.
    sqs = new SQSClient({
      endpoint: local.endpoint,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    target = local;
  }
  const result = await redrive(sqs, target, { max, log: (line) => console.log(line) });
  const how =
    result.method === 'move-task'
      ? `by an SQS message move task (${result.status})`
      : 'by receive, send and delete';
  console.log(`${name}: moved ${result.moved} message(s) from its dead-letter queue back to it, ${how}`);
  if (result.failed > 0) {
    console.log(`${name}: the queue refused ${result.failed} message(s); they stay in the dead-letter queue`);
    process.exitCode = 1;
  }
}

class UsageError extends Error {
  override name = 'UsageError';
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(
      `usage: npm run redrive -- <queue> [--stack <name>] [--max <n>] [--state <file>]\n${error.message}`,
    );
    process.exit(2);
  }
  console.error(error instanceof RedriveError ? error.message : error);
  process.exit(1);
});
