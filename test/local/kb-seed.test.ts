import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KB_FUNCTIONS } from '../../functions/manifest/kb.js';
import { createDevSigningKey, DEV_CLIENT_ID, DEV_ISSUER_PATH, issueDevToken } from '../../local/dev-auth.js';
import { type Gateway, type HttpHandler, startGateway } from '../../local/gateway.js';
import { createJwtAuthorizer } from '../../local/jwt-authorizer.js';
import { seedKnowledgeBase } from '../../local/kb.js';
import { listPublishedArticles } from '../../shared/store/kb-articles.js';
import { useHandlerTable } from '../support/handler-table.js';
import { lambdaContext, setHandlerEnv } from '../support/lambda.js';

/**
 * The local stack's knowledge-base seed, through a gateway serving the real article handlers (JWT
 * authorizer and all) on an emulated table, as `npm start` runs it.
 */

const root = new URL('../../', import.meta.url);
const fixturesDir = fileURLToPath(new URL('events/kb/', root));
const fixtureCount = readdirSync(fixturesDir).filter((name) => name.endsWith('.json')).length;
const table = useHandlerTable('carebridge-kb-seed');
let gateway: Gateway;
let adminToken: string;

beforeAll(async () => {
  setHandlerEnv({
    TABLE_NAME: 'carebridge-kb-seed',
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
  });
  const routes = await Promise.all(
    KB_FUNCTIONS.map(async (fn) => {
      const module: { handler: HttpHandler } = await import(new URL(fn.entry, root).href);
      return { ...fn, handler: module.handler, createContext: () => lambdaContext(fn.name) };
    }),
  );
  const key = await createDevSigningKey();
  gateway = await startGateway({
    port: 0,
    serve: (url) => ({
      routes,
      authorizer: createJwtAuthorizer({
        issuer: `${url}${DEV_ISSUER_PATH}`,
        audience: [DEV_CLIENT_ID],
        keys: createLocalJWKSet(key.jwks),
      }),
    }),
    onError: () => undefined,
  });
  adminToken = await issueDevToken(key, {
    issuer: `${gateway.url}${DEV_ISSUER_PATH}`,
    clientId: DEV_CLIENT_ID,
    role: 'admin',
  });
});

afterAll(async () => {
  await gateway?.stop();
});

describe('seeding the knowledge base', () => {
  it('publishes every fixture of events/kb once, however often the stack starts', async () => {
    // Act
    const first = await seedKnowledgeBase(gateway.url, adminToken, fixturesDir);
    const second = await seedKnowledgeBase(gateway.url, adminToken, fixturesDir);

    // Assess
    expect(first).toHaveLength(fixtureCount);
    expect(first.every((article) => article.created)).toBe(true);
    expect(second.every((article) => !article.created)).toBe(true);
    expect(second.map((article) => article.articleId)).toEqual(first.map((article) => article.articleId));
    const published = await listPublishedArticles(table.db);
    expect(published.map((article) => article.title).sort()).toEqual(
      first.map((article) => article.title).sort(),
    );
  });

  it('fails loudly when the API refuses the token', async () => {
    // Act
    const outcome = await seedKnowledgeBase(gateway.url, 'not-a-token', fixturesDir).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(outcome).toBeInstanceOf(Error);
    expect(String(outcome)).toContain('401');
  });
});
