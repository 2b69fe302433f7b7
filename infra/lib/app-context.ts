import type { App } from 'aws-cdk-lib';

/** The app's settings, read from CDK context (`-c stage=prod -c phoneRegion=DE` or cdk.json). */
export interface AppContext {
  /** Deployment stage; names the stack `carebridge-<stage>`. */
  readonly stage: string;
  /** Default phone region (two upper-case letters), when the deployment has one. */
  readonly phoneRegion?: string;
}

const STAGE_PATTERN = /^[a-z][a-z0-9-]{1,15}$/;
const PHONE_REGION_PATTERN = /^[A-Z]{2}$/;

/** Reads and validates the context once; throws naming the key and what it must look like. */
export function readAppContext(app: App): AppContext {
  const stage = app.node.tryGetContext('stage') ?? 'dev';
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) {
    throw new Error(
      `context stage must be 2-16 characters of lower-case letters, digits and '-', starting with a letter (got ${JSON.stringify(stage)})`,
    );
  }
  const phoneRegion = app.node.tryGetContext('phoneRegion');
  if (phoneRegion === undefined || phoneRegion === '') return { stage };
  if (typeof phoneRegion !== 'string' || !PHONE_REGION_PATTERN.test(phoneRegion)) {
    throw new Error(
      `context phoneRegion must be two upper-case letters, an ISO 3166 country code such as US (got ${JSON.stringify(phoneRegion)})`,
    );
  }
  return { stage, phoneRegion };
}
