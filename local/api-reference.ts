import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { GatewayResponse } from './apigw-v2.js';
import type { LocalRoute } from './gateway.js';

/**
 * The rendered API reference of the local stack at `/docs`: Swagger UI from node_modules
 * (swagger-ui-dist), reading the API's own `GET /v1/openapi.json`. Nothing is loaded from the internet:
 * the page's Content-Security-Policy allows this origin only, and the online validator badge is off.
 */

/** Where the reference is served on the gateway. */
export const DOCS_PATH = '/docs';

const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>carebridge API reference</title>
<link rel="icon" href="${DOCS_PATH}/favicon-32x32.png">
<link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
<script src="${DOCS_PATH}/init.js"></script>
</body>
</html>
`;

// validatorUrl null: no badge fetched from validator.swagger.io.
const INIT = `window.ui = SwaggerUIBundle({
  url: '/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
`;

const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/** The gateway routes of the reference: the page, its start script and Swagger UI's files. */
export function apiReferenceRoutes(): LocalRoute[] {
  const cache = new Map<string, Buffer>();
  const asset = async (file: string): Promise<Buffer> => {
    const cached = cache.get(file);
    if (cached) return cached;
    const content = await readFile(join(SWAGGER_UI_DIR, file));
    cache.set(file, content);
    return content;
  };
  return [
    { method: 'GET', path: DOCS_PATH, respond: () => text(200, 'text/html; charset=utf-8', PAGE) },
    {
      method: 'GET',
      path: `${DOCS_PATH}/{file}`,
      respond: async ({ pathParameters }) => {
        const file = pathParameters.file ?? '';
        if (file === 'init.js') return text(200, 'text/javascript; charset=utf-8', INIT);
        const contentType = ASSETS[file];
        if (!contentType) return text(404, 'text/plain; charset=utf-8', 'Not Found');
        return { ...text(200, contentType, ''), body: await asset(file) };
      },
    },
  ];
}

function text(statusCode: number, contentType: string, body: string): GatewayResponse {
  return {
    statusCode,
    headers: {
      'content-type': contentType,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
    cookies: [],
    body: Buffer.from(body, 'utf8'),
  };
}
