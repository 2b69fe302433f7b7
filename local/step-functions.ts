import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { StateMachine } from 'aws-local-stepfunctions';
import * as z from 'zod';

/**
 * The local Step Functions endpoint: the AWS JSON 1.0 protocol of `StartExecution`, `StopExecution`
 * and `DescribeExecution` (what carebridge's handlers call through @aws-sdk/client-sfn, pointed here by
 * AWS_ENDPOINT_URL_SFN), running the registered Amazon States Language documents in
 * aws-local-stepfunctions: the very definitions the CDK app deploys, with each Task state mapped to a
 * local handler and each Wait state to a short poll (the local clock warps, real time does not: a wave
 * that finds nothing due yet simply waits again). Listens on 127.0.0.1 only.
 */

/** A state machine the endpoint runs. */
export interface LocalStateMachine {
  readonly arn: string;
  readonly definition: unknown;
  /** Task state name → the function it invokes (the handler with a Lambda context). */
  readonly tasks: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
  /** Wait state name → milliseconds of real time it waits instead. */
  readonly waits?: Readonly<Record<string, number>>;
  /** Retrying state name → milliseconds between its retries instead of the definition's. */
  readonly retries?: Readonly<Record<string, number>>;
}

export interface LocalStepFunctionsOptions {
  readonly port?: number;
  readonly region: string;
  readonly accountId: string;
  /** Where an execution that failed is reported (console.error by default). */
  readonly onError?: (message: string, error: unknown) => void;
}

export interface LocalStepFunctions {
  readonly endpoint: string;
  /** Registers a state machine under its ARN. */
  register(machine: LocalStateMachine): void;
  /** The executions so far, for tests and the local stack's view. */
  executions(): readonly ExecutionView[];
  /** Aborts every running execution and closes the endpoint. */
  stop(): Promise<void>;
}

export interface ExecutionView {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly startDate: number;
  readonly stopDate?: number;
}

interface Execution extends ExecutionView {
  abort: () => void;
}

const StartSchema = z.object({
  stateMachineArn: z.string().min(1),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,80}$/)
    .optional(),
  input: z
    .string()
    .max(256 * 1024)
    .optional(),
});
const ExecutionArnSchema = z.object({ executionArn: z.string().min(1) });

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the endpoint on 127.0.0.1 (a free port unless one is given). */
export async function startLocalStepFunctions(
  options: LocalStepFunctionsOptions,
): Promise<LocalStepFunctions> {
  const onError = options.onError ?? ((message: string, error: unknown) => console.error(message, error));
  const machines = new Map<string, { machine: LocalStateMachine; runner: StateMachine }>();
  const executions = new Map<string, Execution>();

  const startExecution = (input: z.infer<typeof StartSchema>) => {
    const registered = machines.get(input.stateMachineArn);
    if (!registered)
      throw new ApiError(
        400,
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${input.stateMachineArn}'`,
      );
    const name = input.name ?? randomUUID();
    const machineName = input.stateMachineArn.split(':').at(-1) ?? 'machine';
    const executionArn = `arn:aws:states:${options.region}:${options.accountId}:execution:${machineName}:${name}`;
    const executionInput = input.input ?? '{}';
    const existing = executions.get(executionArn);
    if (existing) {
      // Standard workflows: the same name and input is the same execution; another input is refused.
      if (existing.input === executionInput && existing.status === 'RUNNING') {
        return { executionArn, startDate: existing.startDate / 1000 };
      }
      throw new ApiError(400, 'ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(executionInput);
    } catch {
      throw new ApiError(400, 'InvalidExecutionInput', 'input is not JSON');
    }
    const run = registered.runner.run(parsedInput as never, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          Object.entries(registered.machine.tasks).map(([state, task]) => [
            state,
            async (taskInput: unknown) => (await task(taskInput)) as never,
          ]),
        ),
        waitTimeOverrides: { ...registered.machine.waits },
        retryIntervalOverrides: { ...registered.machine.retries },
      },
      noThrowOnAbort: true,
    });
    const execution: Execution = {
      executionArn,
      stateMachineArn: input.stateMachineArn,
      name,
      status: 'RUNNING',
      input: executionInput,
      startDate: Date.now(),
      abort: run.abort,
    };
    executions.set(executionArn, execution);
    run.result.then(
      (output) => {
        const current = executions.get(executionArn);
        if (current?.status !== 'RUNNING') return;
        executions.set(executionArn, {
          ...current,
          status: output === null ? 'ABORTED' : 'SUCCEEDED',
          ...(output === null ? {} : { output: JSON.stringify(output) }),
          stopDate: Date.now(),
        });
      },
      (error: unknown) => {
        const current = executions.get(executionArn);
        if (current) {
          executions.set(executionArn, {
            ...current,
            status: 'FAILED',
            error: error instanceof Error ? error.message : String(error),
            stopDate: Date.now(),
          });
        }
        onError(`[step-functions] execution ${name} failed`, error);
      },
    );
    return { executionArn, startDate: execution.startDate / 1000 };
  };

  const stopExecution = (executionArn: string) => {
    const execution = executions.get(executionArn);
    if (!execution)
      throw new ApiError(400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    if (execution.status === 'RUNNING') {
      execution.abort();
      executions.set(executionArn, { ...execution, status: 'ABORTED', stopDate: Date.now() });
    }
    return { stopDate: Date.now() / 1000 };
  };

  const describe = (executionArn: string) => {
    const execution = executions.get(executionArn);
    if (!execution)
      throw new ApiError(400, 'ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    const { abort: _abort, ...view } = execution;
    return {
      ...view,
      startDate: view.startDate / 1000,
      ...(view.stopDate ? { stopDate: view.stopDate / 1000 } : {}),
    };
  };

  const dispatch = (target: string, body: unknown): unknown => {
    switch (target) {
      case 'AWSStepFunctions.StartExecution':
        return startExecution(parse(StartSchema, body));
      case 'AWSStepFunctions.StopExecution':
        return stopExecution(parse(ExecutionArnSchema, body).executionArn);
      case 'AWSStepFunctions.DescribeExecution':
        return describe(parse(ExecutionArnSchema, body).executionArn);
      default:
        throw new ApiError(400, 'UnknownOperationException', `${target} is not served locally`);
    }
  };

  const server = createServer((request, response) => {
    void handle(request, response, dispatch);
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('the Step Functions endpoint has no port');
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    register(machine) {
      machines.set(machine.arn, {
        machine,
        runner: new StateMachine(machine.definition as never, {
          validationOptions: { checkArn: false },
        }),
      });
    },
    executions: () => [...executions.values()].map(({ abort: _abort, ...view }) => view),
    stop: () => {
      stopped ??= (async () => {
        for (const execution of executions.values()) if (execution.status === 'RUNNING') execution.abort();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
      })();
      return stopped;
    },
  };
}

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(
      400,
      'ValidationException',
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
    );
  }
  return parsed.data;
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  dispatch: (target: string, body: unknown) => unknown,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const send = (status: number, body: unknown) => {
    const json = JSON.stringify(body);
    response.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(json),
    });
    response.end(json);
  };
  try {
    const target = String(request.headers['x-amz-target'] ?? '');
    const text = Buffer.concat(chunks).toString('utf8');
    send(200, dispatch(target, text === '' ? {} : JSON.parse(text)));
  } catch (error) {
    if (error instanceof ApiError) {
      send(error.status, { __type: error.type, message: error.message });
      return;
    }
    send(500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) });
  }
}
