import document from '../../docs/openapi.json' with { type: 'json' };
import { httpHandler, json } from '../lib/http.js';

/**
 * GET /v1/openapi.json (public, throttled): the OpenAPI 3.1 description of this API. It is the file
 * `npm run openapi` generates from the handlers' schemas (docs/openapi.json), bundled with the function,
 * so serving it costs nothing at cold start; a test fails when the file and the code differ.
 */
export const handler = httpHandler(async () =>
  json(200, document, { 'cache-control': 'public, max-age=300' }),
);
