/**
 * The HTTP API's CORS settings for browsers on the allowed origins (the website with the chat widget and
 * the web form; `allowedOrigins` in the CDK context, none by default, `*` never). API Gateway answers the
 * preflights and adds the headers itself; the local gateway does the same with these settings.
 */
export const API_CORS = {
  allowMethods: ['GET', 'POST'],
  /** `authorization` carries a visitor token (chat history) or a staff JWT. */
  allowHeaders: ['content-type', 'authorization'],
  maxAgeSeconds: 3600,
} as const;
