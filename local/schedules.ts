import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { systemClock } from '../shared/clock.js';
import type { GatewayResponse } from './apigw-v2.js';
import type { LoadedFunction } from './functions.js';
import { functionsOfKind } from './functions.js';
import type { LocalRoute } from './gateway.js';
import { invokeHandler } from './lambda-context.js';

/**
 * The local stand-in for EventBridge schedules and for the passing of time. Every `schedule` function of
 * the manifest runs every `everyMs` of real time (not every N minutes: the local clock can be warped, so
 * a frequent run catches what came due), with the event shape EventBridge sends. `POST /local/clock
 * {"seconds": n}` moves the stack's clock forward (CAREBRIDGE_CLOCK_OFFSET_MS, which every handler's
 * clock reads) and runs the schedules at once, so a day of SLA timers passes in a second.
 */

/** The path of the clock route on the gateway. */
export const CLOCK_PATH = '/local/clock';

export interface ScheduleRunner {
  /** Runs every schedule function once now, and waits for them. */
  runNow(): Promise<void>;
  /** The gateway routes: POST /local/clock advances the clock, GET tells it. */
  readonly routes: readonly LocalRoute[];
  stop(): Promise<void>;
}

const AdvanceSchema = z.strictObject({
  seconds: z
    .number()
    .int()
    .positive()
    .max(365 * 24 * 60 * 60),
});

/** Starts the schedules; report failures to `onError` (a failed run is retried by the next one). */
export function startSchedules(
  functions: readonly LoadedFunction[],
  options: { readonly everyMs: number; readonly region: string; readonly accountId: string },
  onError: (message: string, error: unknown) => void,
): ScheduleRunner {
  const scheduled = functionsOfKind(functions, 'schedule');
  let running: Promise<void> = Promise.resolve();
  const runAll = async (): Promise<void> => {
    await Promise.all(
      scheduled.map(async ({ definition, handler, createContext }) => {
        try {
          await invokeHandler(handler, scheduledEvent(definition.name, options), createContext());
        } catch (error) {
          onError(`schedule ${definition.name} failed`, error);
        }
      }),
    );
  };
  // One run at a time: a run that takes longer than the interval is not overlapped by the next.
  const runNow = (): Promise<void> => {
    running = running.then(runAll, runAll);
    return running;
  };
  const timer = setInterval(() => void runNow(), options.everyMs);
  timer.unref();

  const answer = (statusCode: number, body: unknown): GatewayResponse => ({
    statusCode,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });
  return {
    runNow,
    routes: [
      { method: 'GET', path: CLOCK_PATH, respond: () => answer(200, clockState()) },
      {
        method: 'POST',
        path: CLOCK_PATH,
        respond: async (request) => {
          let seconds: number;
          try {
            ({ seconds } = AdvanceSchema.parse(JSON.parse(request.body.toString('utf8'))));
          } catch {
            return answer(400, {
              error: 'validation_failed',
              message: 'send {"seconds": <positive integer>}',
            });
          }
          process.env.CAREBRIDGE_CLOCK_OFFSET_MS = String(currentOffsetMs() + seconds * 1000);
          await runNow();
          return answer(200, clockState());
        },
      },
    ],
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

function currentOffsetMs(): number {
  const offset = Number(process.env.CAREBRIDGE_CLOCK_OFFSET_MS ?? '0');
  return Number.isFinite(offset) ? offset : 0;
}

function clockState() {
  return { now: systemClock.now(), offsetSeconds: Math.round(currentOffsetMs() / 1000) };
}

/** An EventBridge scheduled event, as a rule's Lambda target receives it. */
function scheduledEvent(name: string, options: { readonly region: string; readonly accountId: string }) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: options.accountId,
    time: systemClock.now().replace(/\.\d{3}Z$/, 'Z'),
    region: options.region,
    resources: [`arn:aws:events:${options.region}:${options.accountId}:rule/carebridge-${name}`],
    detail: {},
  };
}
