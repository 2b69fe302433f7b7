import { API_CORS } from '../functions/api-cors.js';
import { apiReferenceRoutes, DOCS_PATH } from './api-reference.js';
import type { GatewayResponse } from './apigw-v2.js';
import type { CorsConfiguration } from './cors.js';
import { type DemoSite, startDemoSite } from './demo-site.js';
import type { LocalRoute } from './gateway.js';
import { buildWidget } from './widget-bundle.js';

/**
 * What the local stack shows a newcomer in the browser: the API reference at `/docs`, the chat widget at
 * `/widget.js` (built with esbuild at start), and a demo site on another origin that embeds the widget
 * and a web form, which the API allows by CORS as a deployment allows its website.
 */

/** Where the widget is served on the gateway. */
export const WIDGET_PATH = '/widget.js';

export interface PublicFaceOptions {
  /** The demo site's port on 127.0.0.1; 0 picks a free one. */
  readonly demoPort: number;
  /** Further origins the API allows (a page of your own that embeds the widget). */
  readonly allowedOrigins: readonly string[];
}

/** The public face of a running local stack. */
export interface PublicFace {
  readonly demo: DemoSite;
  /** The API's CORS configuration: the demo site's origin and the other allowed origins. */
  readonly cors: CorsConfiguration;
  /** The gateway's routes for the reference and the widget. */
  readonly routes: readonly LocalRoute[];
  /** Tells the demo site where the API is, once the gateway listens. */
  setApiUrl(url: string): void;
  /** The URLs for .carebridge/local.json. */
  urls(apiUrl: string): { readonly demoUrl: string; readonly widgetUrl: string; readonly docsUrl: string };
  stop(): Promise<void>;
}

/** Builds the widget and starts the demo site. */
export async function startPublicFace(options: PublicFaceOptions): Promise<PublicFace> {
  const widget = Buffer.from(await buildWidget(), 'utf8');
  let apiUrl = '';
  const demo = await startDemoSite({ port: options.demoPort, apiUrl: () => apiUrl });
  const widgetResponse: GatewayResponse = {
    statusCode: 200,
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      // Any site may embed it.
      'cross-origin-resource-policy': 'cross-origin',
      'x-content-type-options': 'nosniff',
    },
    cookies: [],
    body: widget,
  };
  return {
    demo,
    cors: { ...API_CORS, allowOrigins: [demo.origin, ...options.allowedOrigins] },
    routes: [{ method: 'GET', path: WIDGET_PATH, respond: () => widgetResponse }, ...apiReferenceRoutes()],
    setApiUrl: (url) => {
      apiUrl = url;
    },
    urls: (url) => ({ demoUrl: demo.url, widgetUrl: `${url}${WIDGET_PATH}`, docsUrl: `${url}${DOCS_PATH}` }),
    stop: () => demo.stop(),
  };
}
