import { AsyncLocalStorage } from 'node:async_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

/**
 * Fault injection `lambda.crash`: an invocation that dies right after the handler's first successful AWS
 * write, as a Lambda instance does when it runs out of memory or is recycled half-way. The write has
 * happened; nothing after it does: the invocation fails with LambdaCrashError and the handler's own
 * continuation never resumes (its pending AWS calls never answer, later ones are never sent). The event
 * source then does what it does on AWS: API Gateway answers 500, SQS redelivers the batch, an
 * asynchronous invocation is retried.
 *
 * Every AWS SDK v3 client sends through the one smithy `Client.prototype.send` of @smithy/core; a crashing
 * invocation runs in an AsyncLocalStorage context that the patched `send` consults. Invocations that are
 * not chosen to crash run outside it and are untouched.
 */

/** The invocation was ended by the `lambda.crash` fault. */
export class LambdaCrashError extends Error {
  override name = 'LambdaCrashError';
}

interface CrashingInvocation {
  crashed: boolean;
  readonly crash: () => void;
}

type Send = (this: unknown, command: unknown, ...rest: unknown[]) => unknown;

const invocations = new AsyncLocalStorage<CrashingInvocation>();
let installed = false;

/** Commands that only read; anything else (put, update, delete, send, publish, post…) counts as a write. */
const READ_COMMAND = /^(Get|BatchGet|TransactGet|Query|Scan|List|Describe|Receive|Head|Select)/;

/**
 * Wraps a handler so that each invocation for which `shouldCrash()` is true crashes after its first AWS
 * write. An invocation that writes nothing completes normally.
 */
export function withCrashFault<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  shouldCrash: () => boolean,
): (event: E, context: Context) => Promise<R> {
  return (event, context) => {
    if (!shouldCrash()) return handler(event, context);
    installSendHook();
    return new Promise<R>((resolve, reject) => {
      const invocation: CrashingInvocation = {
        crashed: false,
        crash: () =>
          reject(
            new LambdaCrashError(
              `${context.functionName} crashed after its first AWS write (injected fault)`,
            ),
          ),
      };
      invocations.run(invocation, () => handler(event, context)).then(resolve, reject);
    });
  };
}

function installSendHook(): void {
  if (installed) return;
  installed = true;
  const prototype: { send: Send } = Object.getPrototypeOf(DynamoDBClient.prototype);
  const original = prototype.send;
  prototype.send = function send(this: unknown, command: unknown, ...rest: unknown[]): unknown {
    const invocation = invocations.getStore();
    // Callback-style calls are left alone; carebridge awaits every call.
    if (invocation === undefined || typeof rest.at(-1) === 'function')
      return original.call(this, command, ...rest);
    if (invocation.crashed) return never();
    const sent = original.call(this, command, ...rest);
    if (isRead(command) || !(sent instanceof Promise)) return sent;
    return sent.then(() => {
      if (invocation.crashed) return never();
      invocation.crashed = true;
      invocation.crash();
      return never();
    });
  };
}

function isRead(command: unknown): boolean {
  const name = typeof command === 'object' && command !== null ? command.constructor.name : '';
  return READ_COMMAND.test(name);
}

/** A promise that never settles: the dead instance's code never resumes. */
function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}
