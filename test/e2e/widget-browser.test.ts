import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { LOCAL_REGION, LOCAL_WEBSOCKET_STAGE, type LocalStack, startLocalStack } from '../../local/stack.js';
import { epochSeconds, systemClock } from '../../shared/clock.js';
import { listVisitorConnections } from '../../shared/store/chat-connections.js';
import { createDb } from '../../shared/store/db.js';
import { contractViolation } from '../support/contract.js';
import { eventually } from '../support/eventually.js';
import { localApi } from '../support/local-api.js';

/**
 * The public face in a real browser: headless Chromium (shipped inside @sparticuz/chromium) opens the
 * local stack's demo site, on another origin than the API, and uses the chat widget and the web form as
 * a visitor would, with the keyboard, while an agent answers through the staff API. Every API response
 * the page receives is checked against the OpenAPI document. Waits poll for a condition with a bound.
 */

/**
 * The few browser globals the functions passed to `page.evaluate` use: they run in the page, while this
 * file is type-checked for Node (no DOM library), so they are declared here, for this module only.
 */
interface PageElement {
  readonly textContent: string | null;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  readonly children: Iterable<PageElement>;
  readonly firstChild: PageElement | null;
  readonly shadowRoot: PageNode | null;
  getAttribute(name: string): string | null;
}
interface PageNode {
  querySelector(selector: string): PageElement | null;
  readonly activeElement: PageElement | null;
}
declare const document: PageNode;
declare const sessionStorage: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};
declare function getComputedStyle(element: unknown): { readonly backgroundColor: string };

const SCREENSHOTS = fileURLToPath(new URL('../../test-output/', import.meta.url));
const WAIT_MS = 15_000;

let stack: LocalStack;
let browser: Browser;
let page: Page;
const contractViolations: string[] = [];
const pageErrors: string[] = [];
const offMachineRequests: string[] = [];
const call = localApi(() => stack);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, logLevel: 'ERROR', seed: false, faults: null });
  browser = await puppeteer.launch({
    args: await puppeteer.defaultArgs({ args: chromium.args, headless: 'shell' }),
    executablePath: await chromium.executablePath(),
    headless: 'shell',
    defaultViewport: { width: 1280, height: 860 },
  });
  page = await browser.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** Records what the page asks of the network: API answers off the contract, requests leaving the machine. */
function watch(target: Page): void {
  target.on('pageerror', (error) => pageErrors.push(String(error)));
  target.on('request', (request) => {
    const { hostname, protocol } = new URL(request.url());
    if (/^(https?|wss?):$/.test(protocol) && hostname !== '127.0.0.1') offMachineRequests.push(request.url());
  });
  target.on('response', async (response) => {
    const url = new URL(response.url());
    const method = response.request().method();
    if (url.origin !== stack.info.apiUrl || method === 'OPTIONS') return;
    const status = response.status();
    const body = status === 204 || status === 304 ? '' : await response.text().catch(() => '');
    const violation = contractViolation({
      method,
      path: url.pathname,
      status,
      contentType: response.headers()['content-type'],
      body,
    });
    if (violation) contractViolations.push(violation);
  });
}

/** A selector inside the widget's shadow root. */
const widget = (selector: string) => `carebridge-chat >>> ${selector}`;

/** The widget's message list as [from, text, status] rows. */
function messages(): Promise<string[][]> {
  return page.evaluate(() => {
    const list = document
      .querySelector('carebridge-chat')
      ?.shadowRoot?.querySelector('[data-testid=cb-messages]');
    return [...(list?.children ?? [])].map((item) => [
      item.dataset.from ?? '',
      item.firstChild?.textContent ?? '',
      item.dataset.status ?? '',
    ]);
  });
}

/** Polls the message list until `check` holds. */
function messagesUntil(check: (rows: string[][]) => boolean): Promise<string[][]> {
  return eventually(async () => {
    const rows = await messages();
    return check(rows) ? rows : undefined;
  }, WAIT_MS);
}

const CustomerSchema = z.looseObject({ openConversationId: z.string() });
const StoredSessionSchema = z.object({ visitorId: z.string(), token: z.string() });

describe('the chat widget and web form in a real browser', () => {
  const run = randomUUID().slice(0, 8);
  const email = `widget-${run}@example.com`;
  let conversationId: string;

  async function agentReplies(body: string): Promise<void> {
    const reply = await call(`/v1/conversations/${conversationId}/replies`, {
      role: 'agent',
      method: 'POST',
      body: { body, channel: 'chat' },
    });
    expect(reply.status).toBe(201);
  }

  async function storedSession() {
    const key = `carebridge-chat:${stack.info.apiUrl}`;
    return StoredSessionSchema.parse(
      JSON.parse((await page.evaluate((k) => sessionStorage.getItem(k), key)) ?? ''),
    );
  }

  it('embeds the widget on a page of another origin, isolated from the page`s styles', async () => {
    // Act
    await page.goto(stack.info.demoUrl, { waitUntil: 'load' });
    const launcher = await page.waitForSelector(widget('[data-testid=cb-launcher]'), { timeout: WAIT_MS });

    // Assess
    expect(new URL(stack.info.demoUrl).origin).not.toBe(stack.info.apiUrl);
    // The page paints every button pink (!important); the widget's stays its own blue, and the widget's
    // rules leave the page's form button alone.
    expect(await launcher?.evaluate((button) => getComputedStyle(button).backgroundColor)).toBe(
      'rgb(11, 87, 208)',
    );
    const pageButton = await page.$eval(
      '[data-testid=webform-submit]',
      (button) => getComputedStyle(button).backgroundColor,
    );
    expect(pageButton).toBe('rgb(255, 105, 180)');
  });

  it('opens with the keyboard and sends a message that the API acknowledges', async () => {
    // Act
    await page.focus(widget('[data-testid=cb-launcher]'));
    await page.keyboard.press('Enter');
    await page.waitForSelector(widget('[data-testid=cb-input]'), { visible: true, timeout: WAIT_MS });
    await page.type(widget('[data-testid=cb-email]'), email);
    await page.focus(widget('[data-testid=cb-input]'));
    await page.keyboard.type('Where is my parcel 4711?');
    await page.keyboard.press('Enter');

    // Assess
    expect(await messagesUntil((rows) => rows[0]?.[2] === 'sent')).toEqual([
      ['visitor', 'Where is my parcel 4711?', 'sent'],
    ]);
    const focused = await page.evaluate(() =>
      document.querySelector('carebridge-chat')?.shadowRoot?.activeElement?.getAttribute('data-testid'),
    );
    expect(focused).toBe('cb-input');
  });

  it('shows an agent`s reply as it is pushed', async () => {
    // Prepare
    const customer = await eventually(async () => {
      const found = await call(`/v1/customers?email=${encodeURIComponent(email)}`, { role: 'agent' });
      return found.status === 200 ? CustomerSchema.parse(found.body) : undefined;
    }, WAIT_MS);
    conversationId = customer.openConversationId;

    // Act
    await agentReplies('It left our warehouse this morning.');

    // Assess
    const rows = await messagesUntil((list) => list.some(([from]) => from === 'agent'));
    expect(rows[1]).toEqual(['agent', 'It left our warehouse this morning.', 'sent']);
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: `${SCREENSHOTS}widget-chat.png` });
  });

  it('catches up after the network drops: the reply sent meanwhile, and the message typed offline', async () => {
    // Prepare: the network goes, and API Gateway drops the socket.
    const { visitorId } = await storedSession();
    const db = createDb(stack.info.dynamodb.tableName);
    const [connection] = await listVisitorConnections(db, visitorId, epochSeconds(systemClock));
    if (!connection) throw new Error('the widget has no open connection');
    await page.setOfflineMode(true);
    const management = new ApiGatewayManagementApiClient({
      endpoint: `${stack.info.apiUrl}/${LOCAL_WEBSOCKET_STAGE}`,
      region: LOCAL_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await management.send(new DeleteConnectionCommand({ ConnectionId: connection.connectionId }));
    management.destroy();
    await page.waitForFunction(
      () => {
        const state = document
          .querySelector('carebridge-chat')
          ?.shadowRoot?.querySelector('[data-testid=cb-status]');
        return state !== null && state !== undefined && state.dataset.state !== 'online';
      },
      { timeout: WAIT_MS },
    );

    // Act: the visitor writes while offline; the agent answers meanwhile; the network comes back.
    await page.focus(widget('[data-testid=cb-input]'));
    await page.keyboard.type('Hello? Are you still there?');
    await page.keyboard.press('Enter');
    await agentReplies('Yes: it arrives tomorrow.');
    const whileOffline = await messages();
    await page.setOfflineMode(false);

    // Assess: in the order they were recorded, the message typed offline last, once resent.
    expect(whileOffline.at(-1)).toEqual(['visitor', 'Hello? Are you still there?', 'pending']);
    expect(whileOffline.some(([, text]) => text === 'Yes: it arrives tomorrow.')).toBe(false);
    const rows = await messagesUntil(
      (list) => list.length === 4 && list.every(([, , status]) => status === 'sent'),
    );
    expect(rows.map(([from, text]) => [from, text])).toEqual([
      ['visitor', 'Where is my parcel 4711?'],
      ['agent', 'It left our warehouse this morning.'],
      ['agent', 'Yes: it arrives tomorrow.'],
      ['visitor', 'Hello? Are you still there?'],
    ]);
  });

  it('shows the whole history again after the page reloads', async () => {
    // Act
    await page.reload({ waitUntil: 'load' });
    await page.click(widget('[data-testid=cb-launcher]'));

    // Assess
    const rows = await messagesUntil((list) => list.length === 4);
    expect(rows.map(([from, text]) => [from, text])).toEqual([
      ['visitor', 'Where is my parcel 4711?'],
      ['agent', 'It left our warehouse this morning.'],
      ['agent', 'Yes: it arrives tomorrow.'],
      ['visitor', 'Hello? Are you still there?'],
    ]);
    // The session goes on: nothing asks for the name and email again.
    expect(await (await page.$(widget('[data-testid=cb-email]')))?.isVisible()).toBe(false);
    await page.screenshot({ path: `${SCREENSHOTS}widget-demo.png` });
  });

  it('submits the web form across origins and shows its reference', async () => {
    // Act
    await page.type('[data-testid=webform-name]', 'Wanda Widget');
    await page.type('[data-testid=webform-email]', `form-${run}@example.com`);
    await page.type('[data-testid=webform-message]', 'Can I change my delivery address?');
    await page.click('[data-testid=webform-submit]');

    // Assess
    const status = await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid=webform-status]')?.textContent ?? '';
        return /reference: [0-9A-HJKMNP-TV-Z]{26}$/.test(text) ? text : undefined;
      },
      { timeout: WAIT_MS },
    );
    expect(await status.jsonValue()).toMatch(/^Thank you!/);
    const found = await call(`/v1/customers?email=${encodeURIComponent(`form-${run}@example.com`)}`, {
      role: 'agent',
    });
    expect(found.status).toBe(200);
  });

  it('shows a clear state when the server no longer accepts the session, and can start anew', async () => {
    // Prepare: a token the API refuses, as after its key changed.
    const key = `carebridge-chat:${stack.info.apiUrl}`;
    await page.evaluate((k) => {
      const session = JSON.parse(sessionStorage.getItem(k) ?? '{}');
      sessionStorage.setItem(k, JSON.stringify({ ...session, token: `${session.token}x` }));
    }, key);

    // Act
    await page.reload({ waitUntil: 'load' });
    await page.click(widget('[data-testid=cb-launcher]'));
    const ended = await page.waitForSelector(widget('[data-testid=cb-expired]'), {
      visible: true,
      timeout: WAIT_MS,
    });
    const restart = await page.waitForSelector(widget('[data-testid=cb-restart]'), { visible: true });
    await restart?.click();

    // Assess
    expect(await ended?.evaluate((element) => element.textContent)).toContain('has ended');
    await page.waitForSelector(widget('[data-testid=cb-email]'), { visible: true, timeout: WAIT_MS });
    expect(await messages()).toEqual([]);
  });

  it('renders the API reference at /docs from node_modules', async () => {
    // Prepare
    const docs = await browser.newPage();
    watch(docs);

    // Act
    await docs.goto(stack.info.docsUrl, { waitUntil: 'load' });
    await docs.waitForSelector('.swagger-ui .opblock', { timeout: WAIT_MS });

    // Assess
    const operations = await docs.$$eval('.swagger-ui .opblock', (blocks) => blocks.length);
    const paths = await call('/v1/openapi.json');
    const documented = Object.values(
      z.object({ paths: z.record(z.string(), z.record(z.string(), z.unknown())) }).parse(paths.body).paths,
    ).flatMap((item) => Object.keys(item)).length;
    expect(operations).toBe(documented);
    await docs.screenshot({ path: `${SCREENSHOTS}api-reference.png` });
    await docs.close();
  });

  it('received only answers that match the OpenAPI document, and loaded nothing from off the machine', () => {
    expect(contractViolations).toEqual([]);
    expect(offMachineRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
