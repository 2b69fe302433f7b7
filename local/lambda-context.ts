import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The function a context describes. */
export interface LambdaFunctionInfo {
  readonly functionName: string;
  readonly region: string;
  readonly accountId: string;
  readonly timeoutMs: number;
  readonly memoryLimitInMB: number;
}

/**
 * A Lambda context for one invocation, as the Lambda runtime builds it: a fresh request id, the
 * function's ARN and log names, and the time left until the function's timeout.
 */
export function createLambdaContext(info: LambdaFunctionInfo, now: () => number = Date.now): Context {
  const deadline = now() + info.timeoutMs;
  const day = new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: info.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${info.region}:${info.accountId}:function:${info.functionName}`,
    memoryLimitInMB: String(info.memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${info.functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    // The deprecated callback-era methods exist on the type; every carebridge handler is async.
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The invocation ran past the function's timeout. */
export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
}

/**
 * Invokes a handler like the Lambda runtime: the invocation fails with LambdaTimeoutError once the
 * context's time is up. (Unlike Lambda, the local runtime cannot freeze the handler; it runs on, unheard.)
 */
export async function invokeHandler<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  context: Context,
): Promise<R> {
  const remainingMs = context.getRemainingTimeInMillis();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaTimeoutError(`${context.functionName} timed out after ${remainingMs} ms`)),
      remainingMs,
    );
  });
  try {
    return await Promise.race([handler(event, context), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
