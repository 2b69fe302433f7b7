import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of every function: Powertools for AWS Lambda's Logger (JSON lines with the
 * Lambda context, the X-Ray trace id and the POWERTOOLS_* settings). Log ids, counts and outcomes; never
 * message bodies, addresses or phone numbers.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'carebridge' });

/** Middy middleware adding the invocation's Lambda context (cold start, request id) to every entry. */
export { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
