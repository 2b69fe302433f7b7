import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListMessageMoveTasksCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { QUEUES, type QueueName } from '../functions/manifest.js';

/**
 * Moving a work queue's dead-lettered messages back to it (docs/operations.md), on AWS and on the local
 * stack: SQS's own message move task where the endpoint has one, else receive, send and delete in batches
 * of ten, at most `max` messages.
 */

/** A work queue and its dead-letter queue. */
export interface RedriveTarget {
  readonly name: QueueName;
  readonly queueUrl: string;
  readonly deadLetterUrl: string;
}

export interface RedriveOptions {
  /** The most messages the receive/send/delete fallback moves in one run. */
  readonly max: number;
  /** How long to follow a message move task before leaving it running. Default 15 minutes. */
  readonly waitMs?: number;
  /** Between two looks at a running move task. Default 2 s. */
  readonly pollMs?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface RedriveResult {
  /** `move-task`: SQS moved them (StartMessageMoveTask); `receive-send-delete`: this script did. */
  readonly method: 'move-task' | 'receive-send-delete';
  readonly moved: number;
  /** Messages the queue refused (they stay in the dead-letter queue), fallback only. */
  readonly failed: number;
  /** The move task's last status (`COMPLETED`, or `RUNNING` when it outlived `waitMs`), move task only. */
  readonly status?: string;
}

/** Whether `name` is a queue of functions/manifest.ts. */
export function isQueueName(name: string): name is QueueName {
  return Object.hasOwn(QUEUES, name);
}

/** The stack output naming a queue's URL (infra/lib/carebridge-stack.ts): `tier-e` → `TierEQueueUrl`. */
export function queueUrlOutput(name: QueueName): string {
  return `${name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase())}QueueUrl`;
}

const LocalStateSchema = z.object({
  sqs: z.object({ endpoint: z.url(), queues: z.record(z.string(), z.url()) }),
});

/** The local stack's queue and dead-letter queue, from .carebridge/local.json (`sqs.queues`). */
export function localTarget(state: unknown, name: QueueName): RedriveTarget & { readonly endpoint: string } {
  const { sqs } = LocalStateSchema.parse(state);
  const queueUrl = sqs.queues[name];
  const deadLetterUrl = sqs.queues[`${name}Dlq`];
  if (!queueUrl || !deadLetterUrl) {
    throw new RedriveError(`the local stack has no ${name} queue with a dead-letter queue (sqs.queues)`);
  }
  return { name, queueUrl, deadLetterUrl, endpoint: sqs.endpoint };
}

/**
 * A deployed stack's queue: its URL from the stack's `<Name>QueueUrl` output, its dead-letter queue from
 * the queue's redrive policy.
 */
export async function stackTarget(
  cloudFormation: CloudFormationClient,
  sqs: SQSClient,
  stackName: string,
  name: QueueName,
): Promise<RedriveTarget> {
  const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputKey = queueUrlOutput(name);
  const queueUrl = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === outputKey)?.OutputValue;
  if (!queueUrl) throw new RedriveError(`stack ${stackName} has no ${outputKey} output`);
  return { name, queueUrl, deadLetterUrl: await deadLetterUrlOf(sqs, queueUrl) };
}

/** The URL of the dead-letter queue named by a queue's redrive policy. */
async function deadLetterUrlOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = z
    .object({ deadLetterTargetArn: z.string() })
    .safeParse(JSON.parse(Attributes?.RedrivePolicy ?? 'null'));
  if (!policy.success) throw new RedriveError(`${queueUrl} has no dead-letter queue`);
  const [, , , , account, queueName] = policy.data.deadLetterTargetArn.split(':');
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: queueName, QueueOwnerAWSAccountId: account }),
  );
  if (!QueueUrl) throw new RedriveError(`no URL for ${policy.data.deadLetterTargetArn}`);
  return QueueUrl;
}

/**
 * Moves the target's dead-lettered messages back to it: with a message move task (SQS moves them, at its
 * own pace, and this follows the task until it completes or `waitMs` passes), or, where the endpoint has
 * no such action (the local emulator), by receiving, sending and deleting batches of ten.
 */
export async function redrive(
  sqs: SQSClient,
  target: RedriveTarget,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const [sourceArn, destinationArn] = await Promise.all([
    queueArnOf(sqs, target.deadLetterUrl),
    queueArnOf(sqs, target.queueUrl),
  ]);
  let taskHandle: string | undefined;
  try {
    ({ TaskHandle: taskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
    ));
  } catch (error) {
    if (!isUnsupportedAction(error)) throw error;
    options.log?.(`${target.name}: the endpoint has no message move task; receiving, sending and deleting`);
    return moveByHand(sqs, target, options);
  }
  options.log?.(`${target.name}: message move task started`);
  return followMoveTask(sqs, sourceArn, taskHandle, options);
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new RedriveError(`${queueUrl} has no ARN`);
  return Attributes.QueueArn;
}

/** An endpoint without the move-task API (an emulator) answers the action as unknown. */
function isUnsupportedAction(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    ['InvalidAction', 'UnsupportedOperation', 'UnknownOperationException'].includes(error.name) ||
    /unknown action|not supported/i.test(error.message)
  );
}

async function followMoveTask(
  sqs: SQSClient,
  sourceArn: string,
  taskHandle: string | undefined,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const deadline = Date.now() + (options.waitMs ?? 15 * 60_000);
  for (;;) {
    const { Results } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const task =
      Results?.find((result) => taskHandle === undefined || result.TaskHandle === taskHandle) ?? Results?.[0];
    const status = task?.Status ?? 'UNKNOWN';
    const moved = task?.ApproximateNumberOfMessagesMoved ?? 0;
    if (status === 'FAILED' || status === 'CANCELLED') {
      throw new RedriveError(
        `the message move task ended ${status} after ${moved} message(s): ${task?.FailureReason ?? 'no reason given'}`,
      );
    }
    if (status === 'COMPLETED' || Date.now() >= deadline) {
      return { method: 'move-task', moved, failed: 0, status };
    }
    options.log?.(`  ${status}: ${moved} of about ${task?.ApproximateNumberOfMessagesToMove ?? '?'} moved`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2_000));
  }
}

/** Received messages stay hidden this long while they are sent and deleted. */
const MOVE_VISIBILITY_SECONDS = 60;

async function moveByHand(
  sqs: SQSClient,
  target: RedriveTarget,
  options: RedriveOptions,
): Promise<RedriveResult> {
  const fifo = target.queueUrl.endsWith('.fifo');
  let moved = 0;
  let failed = 0;
  while (moved + failed < options.max) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.deadLetterUrl,
        MaxNumberOfMessages: Math.min(10, options.max - moved - failed),
        VisibilityTimeout: MOVE_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const entries = Messages.map((message, index) => sendEntry(message, String(index), fifo));
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: target.queueUrl, Entries: entries }));
    const ok = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = Messages.flatMap((message, index) =>
      ok.has(String(index)) && message.ReceiptHandle
        ? [{ Id: String(index), ReceiptHandle: message.ReceiptHandle }]
        : [],
    );
    if (toDelete.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: target.deadLetterUrl, Entries: toDelete }));
    }
    moved += toDelete.length;
    failed += Messages.length - toDelete.length;
    // Refused messages reappear in the dead-letter queue once hidden no more; do not go round on them.
    if (Messages.length > toDelete.length) break;
  }
  return { method: 'receive-send-delete', moved, failed };
}

/**
 * A dead-lettered message as it goes back: body and attributes as they were; on a FIFO queue its group,
 * and a deduplication id of its own (the dead-letter copy's id), so a run that died between send and
 * delete and is started again does not send it twice within SQS's five-minute deduplication window.
 */
function sendEntry(message: Message, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]): [string, MessageAttributeValue] => [
      name,
      {
        DataType: value.DataType,
        ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
      },
    ]),
  );
  return {
    Id: id,
    MessageBody: message.Body ?? '',
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    ...(fifo
      ? {
          MessageGroupId: message.Attributes?.MessageGroupId ?? 'redrive',
          MessageDeduplicationId: `redrive-${message.MessageId ?? id}`,
        }
      : {}),
  };
}

/** What an operator got wrong or what the queues do not allow; the CLI prints the message alone. */
export class RedriveError extends Error {
  override name = 'RedriveError';
}
