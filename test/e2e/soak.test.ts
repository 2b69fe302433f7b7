import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { parseFaultSpec } from '../../local/faults.js';
import { runSoak, type SoakReport, soakSummary } from '../../local/soak/run.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { writeStateFile } from '../../local/state-file.js';

/**
 * Issue 12, short: a few hundred messages over the four channels, from people whose identities overlap
 * across channels, against the local stack with every fault on (seeded, so a failure replays). The
 * invariants are checked from the store and the queues: nothing lost, nothing doubled, every message on
 * its customer, one customer per group of identities, nothing dead-lettered. The long run is in
 * docs/soak.md (`npm run soak`).
 */

const FAULTS =
  'dynamodb.conflict=0.05,dynamodb.throttle=0.02,sqs.duplicate=0.05,lambda.crash=0.02,seed=20261130';
const failures: string[] = [];
let stack: LocalStack;
let report: SoakReport;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    seed: false,
    // A crashed invocation's leftover middleware timer would log a timeout; failures are collected below.
    logLevel: 'SILENT',
    faults: parseFaultSpec(FAULTS),
    queueVisibilityTimeoutSeconds: 3,
    asyncRetryDelaysMs: [200, 500],
    onError: (message) => failures.push(message),
  });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('soak with faults on', () => {
  it('echoes the active faults in .carebridge/local.json', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'carebridge-faults-'));
    const path = join(dir, 'local.json');

    // Act
    await writeStateFile(stack.info, path);
    const written = z.looseObject({ faults: z.unknown() }).parse(JSON.parse(await readFile(path, 'utf8')));
    await rm(dir, { recursive: true, force: true });

    // Assess
    expect(written.faults).toEqual({
      spec: FAULTS,
      rates: {
        'dynamodb.conflict': 0.05,
        'dynamodb.throttle': 0.02,
        'sqs.duplicate': 0.05,
        'lambda.crash': 0.02,
      },
      seed: 20261130,
    });
  });

  it('records 300 messages exactly once each, on the customers their verified identities make', async () => {
    // Act
    // Routing now goes on through the tier queues, the e-level and the change stream: give it time to drain
    // when the rest of the suite shares the machine (a bound on waiting, not a timing assertion).
    report = await runSoak(stack.info, { messages: 300, seed: 12, maxSeconds: 150, idle: stack.asyncIdle });
    console.log(soakSummary(report));

    // Assess
    expect({
      sent: report.sent,
      gaveUp: report.gaveUp,
      recorded: report.recorded,
      duplicated: report.duplicated,
      lost: report.lost,
      misfiled: report.misfiled,
      splitGroups: report.splitGroups,
      fusedCustomers: report.fusedCustomers,
      deadLettered: report.deadLettered,
      pendingInQueues: report.pendingInQueues,
    }).toEqual({
      sent: 300,
      gaveUp: 0,
      recorded: 300,
      duplicated: 0,
      lost: 0,
      misfiled: 0,
      splitGroups: 0,
      fusedCustomers: 0,
      deadLettered: {},
      pendingInQueues: 0,
    });
    expect(report.customersFound).toBe(report.customersExpected);
    expect(report.replies).toMatchObject({
      requested: 6,
      sentTwice: 0,
      sentUnrecorded: 0,
      acceptedUndelivered: 0,
      acceptedUnrecorded: 0,
    });
    expect(report.passed).toBe(true);
  }, 180_000);

  it('really injected faults, which the stack reported and its event sources retried', () => {
    // Act
    const injected = stack.faultsInjected();

    // Assess
    expect(injected?.['dynamodb.throttle']).toBeGreaterThan(0);
    expect(injected?.['dynamodb.conflict']).toBeGreaterThan(0);
    expect(injected?.['lambda.crash']).toBeGreaterThan(0);
    expect(injected?.['sqs.duplicate']).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0);
  });
});
