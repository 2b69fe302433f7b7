import type { FunctionDefinition } from '../manifest.js';

/**
 * Retention and follow-up campaigns (docs/campaigns.md): the marketing API, the campaign state
 * machine's tasks, the send workers, the domain events campaigns act on, and one-click unsubscribe.
 */
const api = <Name extends string, Method extends 'GET' | 'POST', Table extends 'read' | 'write'>(
  name: Name,
  entry: string,
  method: Method,
  path: string,
  table: Table,
) => ({ kind: 'http', name, entry, method, path, auth: 'staff', access: { table } }) as const;

export const CAMPAIGN_FUNCTIONS = [
  api('campaigns-create', 'functions/campaigns/create.ts', 'POST', '/v1/campaigns', 'write'),
  api('campaigns-get', 'functions/campaigns/get.ts', 'GET', '/v1/campaigns/{id}', 'read'),
  api('campaigns-preview', 'functions/campaigns/preview.ts', 'POST', '/v1/campaigns/{id}/preview', 'read'),
  {
    ...api('campaigns-launch', 'functions/campaigns/launch.ts', 'POST', '/v1/campaigns/{id}/launch', 'write'),
    access: { table: 'write', startsCampaigns: true },
  },
  ...(['pause', 'resume', 'cancel'] as const).map(
    (action) =>
      ({
        ...api(
          `campaigns-${action}`,
          'functions/campaigns/state.ts',
          'POST',
          `/v1/campaigns/{id}/${action}`,
          'write',
        ),
        access: { table: 'write', startsCampaigns: true },
      }) as const,
  ),
  api(
    'campaigns-recipients',
    'functions/campaigns/recipients.ts',
    'GET',
    '/v1/campaigns/{id}/recipients',
    'read',
  ),
  {
    kind: 'task',
    name: 'campaigns-enrol',
    entry: 'functions/campaigns/enrol.ts',
    state: 'Enrol',
    // Reads segment pages through gsi3 (or, for a segment the preview said needs one, a scan).
    access: { table: 'write' },
    timeoutSeconds: 60,
  },
  {
    kind: 'task',
    name: 'campaigns-wave',
    entry: 'functions/campaigns/wave.ts',
    state: 'SendWave',
    access: { table: 'write', sendsTo: ['campaign-send'] },
    timeoutSeconds: 60,
  },
  {
    kind: 'queue',
    name: 'campaigns-send',
    entry: 'functions/campaigns/send.ts',
    queue: 'campaign-send',
    batchSize: 10,
    access: {
      table: 'write',
      sendsTo: ['tier-1', 'chat-fallback'],
      secrets: ['twilio-auth-token', 'identity-secret'],
      sendsEmail: true,
      sendsSms: true,
      chatConnections: true,
      campaignLinks: true,
    },
    timeoutSeconds: 30,
  },
  {
    // Recurring retention campaigns (a weekly sweep): enrols the segment again when the next round is due.
    kind: 'schedule',
    name: 'campaigns-recur',
    entry: 'functions/campaigns/recur.ts',
    everyMinutes: 60,
    access: { table: 'write', startsCampaigns: true },
  },
  {
    // Follow-up campaigns enrol resolved conversations; a missed service level holds retention back.
    kind: 'event',
    name: 'campaigns-events',
    entry: 'functions/campaigns/events.ts',
    detailTypes: ['conversation.resolved', 'sla.breached'],
    access: { table: 'write' },
  },
  {
    // The page a campaign's unsubscribe link opens: a button that posts the one-click form. A GET changes
    // nothing, so a mail scanner following links unsubscribes nobody.
    kind: 'http',
    name: 'campaigns-unsubscribe-page',
    entry: 'functions/campaigns/unsubscribe-page.ts',
    method: 'GET',
    path: '/v1/unsubscribe',
    auth: 'unsubscribe-link',
    access: { secrets: ['identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
  {
    // RFC 8058 one-click: mail providers POST `List-Unsubscribe=One-Click` here; a 429 could lose an opt-out.
    kind: 'http',
    name: 'campaigns-unsubscribe',
    entry: 'functions/campaigns/unsubscribe.ts',
    method: 'POST',
    path: '/v1/unsubscribe',
    auth: 'unsubscribe-link',
    access: { table: 'write', secrets: ['identity-secret'] },
    throttle: { rate: 50, burst: 100 },
  },
  {
    // The page a survey email's score link opens: the score and a Send button; a GET changes nothing.
    kind: 'http',
    name: 'campaigns-survey-page',
    entry: 'functions/campaigns/survey-page.ts',
    method: 'GET',
    path: '/v1/surveys/answer',
    auth: 'survey-link',
    access: { secrets: ['identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
  {
    kind: 'http',
    name: 'campaigns-survey-answer',
    entry: 'functions/campaigns/survey-answer.ts',
    method: 'POST',
    path: '/v1/surveys/answer',
    auth: 'survey-link',
    access: { table: 'write', secrets: ['identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
] as const satisfies readonly FunctionDefinition[];
