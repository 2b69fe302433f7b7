import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { FUNCTIONS, type FunctionDefinition } from '../../functions/manifest.js';
import { faultsFromEnvironment } from '../../local/faults.js';
import { LOCAL_REGION, type LocalStack, startLocalStack } from '../../local/stack.js';
import { writeStateFile } from '../../local/state-file.js';
import { eventually } from '../support/eventually.js';

/**
 * The local stack's identity wiring, started whole (in memory, no demo data): the identity secret and
 * the verify URL the handlers get and local.json holds, the identity-verification queue and its poller,
 * and the auth of the identity and merge routes on the gateway.
 */

const definitions: readonly FunctionDefinition[] = FUNCTIONS;
let stack: LocalStack;
let stateDir: string;
let sqs: SQSClient;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'carebridge-state-'));
  stack = await startLocalStack({ port: 0, seed: false, logLevel: 'ERROR', onError: () => undefined });
  sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: stack.info.sqs.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sqs?.destroy();
  await stack?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

const StateFileSchema = z.looseObject({
  apiUrl: z.string(),
  identitySecret: z.string(),
  identityVerifyUrl: z.string(),
});

/** The gateway's own 401 (its JWT authorizer), as opposed to an answer of the route's handler. */
function refusedByAuthorizer(response: Response): boolean {
  return (
    response.status === 401 &&
    (response.headers.get('www-authenticate') ?? '').startsWith('Bearer error="invalid_token"')
  );
}

describe('local stack: identity verification', () => {
  it('generates an identity secret of at least 32 bytes and gives the handlers that very secret', () => {
    // Assess
    expect(Buffer.byteLength(stack.info.identitySecret, 'utf8')).toBeGreaterThanOrEqual(32);
    expect(process.env.IDENTITY_SECRET).toBe(stack.info.identitySecret);
    expect(process.env.IDENTITY_SECRET_ARN).toBeUndefined();
  });

  it('points verification links at the gateway: IDENTITY_VERIFY_URL is its verify route', () => {
    // Assess
    expect(stack.info.identityVerifyUrl).toBe(`${stack.info.apiUrl}/v1/identity/verify`);
    expect(process.env.IDENTITY_VERIFY_URL).toBe(stack.info.identityVerifyUrl);
  });

  it('injects no faults unless CAREBRIDGE_FAULTS asks for some', () => {
    // Assess: the environment of `npm test` sets none, so none are on.
    const asked = faultsFromEnvironment(process.env) !== undefined;
    expect(stack.info.faults !== undefined).toBe(asked);
    expect(stack.faultsInjected() !== undefined).toBe(asked);
  });

  it('writes identitySecret and identityVerifyUrl to local.json, readable by this user only', async () => {
    // Prepare
    const path = join(stateDir, '.carebridge', 'local.json');

    // Act
    await writeStateFile(stack.info, path);

    // Assess
    const written = StateFileSchema.parse(JSON.parse(await readFile(path, 'utf8')));
    expect(written.identitySecret).toBe(stack.info.identitySecret);
    expect(written.identityVerifyUrl).toBe(stack.info.identityVerifyUrl);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('creates the identity-verification queue with its dead-letter queue and polls it', async () => {
    // Prepare
    const queueUrl = stack.info.sqs.queues['identity-verification'];
    if (!queueUrl) throw new Error('the identity-verification queue was not created');
    expect(stack.info.sqs.queues['identity-verificationDlq']).toEqual(expect.any(String));

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"probe":true}' }));

    // Assess: the mailer's poller took it off the queue (done, or failed and hidden until a retry).
    await eventually(async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Attributes?.ApproximateNumberOfMessages === '0' ? true : undefined;
    });
  });

  it('serves the verification-link routes without a JWT: their handler answers', async () => {
    // Prepare
    const routes = definitions.flatMap((definition) =>
      definition.kind === 'http' && definition.auth === 'verification-link' ? [definition] : [],
    );
    expect(routes.map((route) => `${route.method} ${route.path}`)).toContain('GET /v1/identity/verify');

    for (const route of routes) {
      // Act
      const response = await fetch(`${stack.info.apiUrl}${route.path}`, { method: route.method });
      await response.arrayBuffer();

      // Assess: a missing token is the handler's to refuse (400 or 401), never the gateway's.
      expect({ route: route.name, refused: refusedByAuthorizer(response) }).toEqual({
        route: route.name,
        refused: false,
      });
      expect(response.status).not.toBe(404);
      expect(response.status).toBeLessThan(500);
    }
  });

  it('requires a staff JWT for POST /v1/customers/{id}/merge', async () => {
    // Act
    const anonymous = await fetch(`${stack.info.apiUrl}/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/merge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const staff = await fetch(`${stack.info.apiUrl}/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV/merge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.info.tokens.admin}` },
      body: '{}',
    });
    await Promise.all([anonymous.arrayBuffer(), staff.arrayBuffer()]);

    // Assess
    expect(refusedByAuthorizer(anonymous)).toBe(true);
    expect(refusedByAuthorizer(staff)).toBe(false);
    expect(staff.status).not.toBe(404);
  });
});
