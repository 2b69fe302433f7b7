import {
  ApiGatewayManagementApiClient,
  ApiGatewayManagementApiServiceException,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ServerFrame } from './protocol.js';

/**
 * The API Gateway Management API client of a WebSocket API stage. The endpoint is configuration
 * (CHAT_CALLBACK_URL): the stage URL on AWS, the local gateway's URL on the local stack, which serves
 * the same `POST /@connections/{connectionId}` route.
 */
export function createConnectionsClient(callbackUrl: string): ApiGatewayManagementApiClient {
  return new ApiGatewayManagementApiClient({ endpoint: callbackUrl });
}

/**
 * Pushes one frame to a connection. `gone` when the connection no longer exists (HTTP 410: the visitor
 * closed the tab or the network dropped); any other failure throws.
 */
export async function postFrame(
  api: ApiGatewayManagementApiClient,
  connectionId: string,
  frame: ServerFrame,
): Promise<'posted' | 'gone'> {
  try {
    await api.send(
      new PostToConnectionCommand({
        ConnectionId: connectionId,
        Data: new TextEncoder().encode(JSON.stringify(frame)),
      }),
    );
    return 'posted';
  } catch (error) {
    if (isGone(error)) return 'gone';
    throw error;
  }
}

/** GoneException, or a bare 410 from an endpoint that does not name the error type. */
function isGone(error: unknown): boolean {
  if (error instanceof GoneException) return true;
  return error instanceof ApiGatewayManagementApiServiceException && error.$metadata.httpStatusCode === 410;
}
