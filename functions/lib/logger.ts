import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext as injectContext } from '@aws-lambda-powertools/logger/middleware';

/**
 * The one structured logger of every function: Powertools for AWS Lambda's Logger (JSON lines with the
 * Lambda context, the X-Ray trace id and the POWERTOOLS_* settings). Log ids, counts and outcomes; never
 * message bodies, addresses or phone numbers. A handler that knows the conversation (or campaign) it works
 * on sets it with `logger.setCorrelationId(id)`: every later entry of the invocation carries
 * `correlation_id` (docs/operations.md).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'carebridge' });

/**
 * Middy middleware adding the invocation's Lambda context (cold start, request id) to every entry, and
 * clearing the keys the invocation appended (its correlation id) when it ends, so that a warm instance's
 * next invocation never logs under the previous one's id.
 */
export const injectLambdaContext = (target: Logger) => injectContext(target, { resetKeys: true });
