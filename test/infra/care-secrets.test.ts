import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import { CareSecrets } from '../../infra/lib/constructs/care-secrets.js';
import { acknowledgements, inlineFunction, nagFindings, unbundledApp } from './support.js';

let secrets: CareSecrets;
let template: Template;
let throwAway: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'SecretsTest');
  secrets = new CareSecrets(stack, 'Secrets');
  secrets.bind(inlineFunction(stack, 'Webhook'), 'twilio-auth-token');
  secrets.bind(inlineFunction(stack, 'Webform'), 'identity-secret');
  inlineFunction(stack, 'Bystander');
  template = Template.fromStack(stack);

  const devStack = new Stack(unbundledApp(), 'DevSecretsTest');
  new CareSecrets(devStack, 'Secrets', { retain: false });
  throwAway = Template.fromStack(devStack);
});

describe('CareSecrets', () => {
  it('generates the chat token key: 64 characters without punctuation', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('chat visitor tokens'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it('generates the identity secret sites sign with: 64 characters without punctuation', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('sites sign identities'),
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      SecretString: Match.absent(),
    });
  });

  it('creates the Twilio token with a random placeholder, so nobody can sign requests until it is set', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('Twilio auth token'),
      GenerateSecretString: Match.objectLike({ PasswordLength: 32 }),
      SecretString: Match.absent(),
    });
  });

  it('keeps the secrets by default and lets a throw-away stage delete them', () => {
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
    throwAway.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });

  it('lets a bound function read its secret and passes the ARN', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WebhookServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: Match.stringLikeRegexp('^SecretsTwilioAuthToken') },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookServiceRole'), 'Arn'] },
      Environment: {
        Variables: {
          [ENV.secretArn['twilio-auth-token']]: { Ref: Match.stringLikeRegexp('^SecretsTwilioAuthToken') },
        },
      },
    });
  });

  it('lets a function bound to the identity secret read that secret only', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^WebformServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
            Resource: { Ref: Match.stringLikeRegexp('^SecretsIdentitySecret') },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebformServiceRole'), 'Arn'] },
      Environment: {
        Variables: {
          [ENV.secretArn['identity-secret']]: { Ref: Match.stringLikeRegexp('^SecretsIdentitySecret') },
        },
      },
    });
  });

  it('grants nothing to a function that declares no secret', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^BystanderServiceRole') }] },
    });
    expect(Object.keys(policies)).toHaveLength(0);
  });

  it('leaves no AwsSolutions finding: no secret can be rotated by Secrets Manager, each says why', () => {
    expect(nagFindings(secrets)).toEqual([]);
    const acknowledged = acknowledgements(secrets);
    expect(acknowledged.map((entry) => entry.id)).toEqual([
      'AwsSolutions-SMG4',
      'AwsSolutions-SMG4',
      'AwsSolutions-SMG4',
    ]);
    expect(acknowledged.find((entry) => entry.path.endsWith('ChatToken'))?.reason).toMatch(
      /live chat session/,
    );
    expect(acknowledged.find((entry) => entry.path.endsWith('IdentitySecret'))?.reason).toMatch(
      /coordinated with each site/,
    );
  });
});
