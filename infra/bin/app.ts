import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppContext } from '../lib/app-context.js';
import { CarebridgeStack } from '../lib/carebridge-stack.js';

// The CDK app: `npx cdk synth -c stage=prod -c emailDomain=support.example.com …` (every setting is
// described in docs/deploying.md). The stack is environment-agnostic (no account or region), so it
// synthesizes without AWS credentials.
const app = new App();
const { stage, ...settings } = readAppContext(app);

const stack = new CarebridgeStack(app, `carebridge-${stage}`, {
  stage,
  ...settings,
  description: `carebridge customer-care backend (${stage})`,
});
Tags.of(stack).add('project', 'carebridge');
Tags.of(stack).add('stage', stage);

// Every AwsSolutions finding fails the synth unless it is acknowledged, with a reason, where it occurs.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
