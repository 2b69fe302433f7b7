import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured logger of every function. Log ids, counts and outcomes; never message bodies,
 * addresses or phone numbers.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'carebridge' });
