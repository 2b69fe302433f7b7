import type { FunctionDefinition } from '../manifest.js';

/**
 * The functions customers reach: every channel in (web form, SMS, chat, email) and out where a channel
 * needs its own function (the chat email fallback), and the email verification link of identity trust.
 */
export const CHANNEL_FUNCTIONS = [
  {
    kind: 'http',
    name: 'webform',
    entry: 'functions/webform/handler.ts',
    method: 'POST',
    path: '/v1/channels/webform',
    auth: 'honeypot',
    access: { table: 'write', sendsTo: ['routing', 'identity-verification'], secrets: ['identity-secret'] },
    throttle: { rate: 20, burst: 40 },
  },
  {
    kind: 'http',
    name: 'sms-twilio-webhook',
    entry: 'functions/sms/twilio-webhook.ts',
    method: 'POST',
    path: '/v1/channels/sms/twilio',
    auth: 'twilio-signature',
    // Keyword answers (STOP confirmed, HELP) go back through Twilio.
    access: { table: 'write', sendsTo: ['routing'], secrets: ['twilio-auth-token'], sendsSms: true },
    throttle: { rate: 50, burst: 100 },
    timeoutSeconds: 15,
  },
  {
    kind: 'http',
    name: 'chat-create-session',
    entry: 'functions/chat/create-session.ts',
    method: 'POST',
    path: '/v1/chat/sessions',
    auth: 'visitor-session',
    access: { secrets: ['chat-token', 'identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
  {
    kind: 'http',
    name: 'chat-list-messages',
    entry: 'functions/chat/list-messages.ts',
    method: 'GET',
    path: '/v1/chat/sessions/{id}/messages',
    auth: 'visitor-token',
    access: { table: 'write', secrets: ['chat-token'] },
    throttle: { rate: 50, burst: 100 },
  },
  {
    kind: 'websocket',
    name: 'chat-connect',
    entry: 'functions/chat/connect.ts',
    route: '$connect',
    access: { table: 'write', secrets: ['chat-token'] },
  },
  {
    kind: 'websocket',
    name: 'chat-disconnect',
    entry: 'functions/chat/disconnect.ts',
    route: '$disconnect',
    access: { table: 'write' },
  },
  {
    kind: 'websocket',
    name: 'chat-send-message',
    entry: 'functions/chat/send-message.ts',
    route: 'sendMessage',
    access: { table: 'write', sendsTo: ['routing', 'identity-verification'], chatConnections: true },
  },
  {
    kind: 'mail',
    name: 'email-inbound',
    entry: 'functions/email/inbound.ts',
    // Deletes the raw mail of a message whose sender was erased while it waited (docs/data-rights.md).
    access: { table: 'write', sendsTo: ['routing'], inboundMail: 'read', deletesInboundMail: true },
    // Reads and parses up to 10 MB of MIME.
    timeoutSeconds: 30,
    memoryMb: 512,
  },
  {
    kind: 'topic',
    name: 'email-feedback',
    entry: 'functions/email/feedback.ts',
    topic: 'email-feedback',
    access: { table: 'write' },
  },
  {
    kind: 'topic',
    name: 'sms-eum-inbound',
    entry: 'functions/sms/eum-inbound.ts',
    topic: 'sms-inbound',
    access: { table: 'write', sendsTo: ['routing'], sendsSms: true },
  },
  {
    kind: 'queue',
    name: 'chat-email-fallback',
    entry: 'functions/chat/email-fallback.ts',
    queue: 'chat-fallback',
    batchSize: 10,
    access: { table: 'write', sendsEmail: true },
  },
  {
    // The page a verification link opens: a button that confirms. Nothing is changed by a GET, so a mail
    // scanner following links cannot confirm an address for whoever claimed it.
    kind: 'http',
    name: 'identity-verify-page',
    entry: 'functions/identity/verify-page.ts',
    method: 'GET',
    path: '/v1/identity/verify',
    auth: 'verification-link',
    // Checks the link's token to say upfront whether it still works.
    access: { secrets: ['identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
  {
    kind: 'http',
    name: 'identity-verify',
    entry: 'functions/identity/verify.ts',
    method: 'POST',
    path: '/v1/identity/verify',
    auth: 'verification-link',
    access: { table: 'write', secrets: ['identity-secret'] },
    throttle: { rate: 10, burst: 20 },
  },
  {
    kind: 'queue',
    name: 'identity-verification-mailer',
    entry: 'functions/identity/verification-mailer.ts',
    queue: 'identity-verification',
    batchSize: 10,
    access: { table: 'write', sendsEmail: true, secrets: ['identity-secret'] },
  },
] as const satisfies readonly FunctionDefinition[];
