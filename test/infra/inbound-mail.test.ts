import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/manifest.js';
import { InboundMail } from '../../infra/lib/constructs/inbound-mail.js';
import { acknowledgements, inlineFunction, nagFindings, unbundledApp } from './support.js';

let mail: InboundMail;
let template: Template;
let withoutDomain: Template;

const RULE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ses:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':receipt-rule-set/MailTest-inbound-mail:receipt-rule/carebridge-inbound',
    ],
  ],
};
const SES_SOURCE = {
  StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': RULE_ARN },
};
const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboundMailBucket'), 'Arn'] };

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'MailTest');
  mail = new InboundMail(stack, 'InboundMail', { recipientDomain: 'support.example.com' });
  const receiver = inlineFunction(stack, 'Receiver');
  mail.bindReader(receiver);
  mail.deliverTo(receiver);
  mail.bindDeleter(inlineFunction(stack, 'Eraser'));
  template = Template.fromStack(stack);

  const bare = new Stack(unbundledApp(), 'BareMailTest');
  const bareMail = new InboundMail(bare, 'InboundMail', { retain: false });
  expect(bareMail.deliverTo(inlineFunction(bare, 'Receiver'))).toBeUndefined();
  withoutDomain = Template.fromStack(bare);
});

describe('InboundMail', () => {
  it('stores mail in a private, TLS-only bucket encrypted with a rotating customer key', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboundMailKey'), 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('^InboundMailAccessLogs') },
        LogFilePrefix: 'inbound-mail/',
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^InboundMailBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('expires raw mail under inbound/ after 90 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([{ Prefix: 'inbound/', ExpirationInDays: 90, Status: 'Enabled' }]),
      },
    });
  });

  it('lets SES put objects under inbound/ only, for this account and receipt rule', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSesToStoreInboundMail',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [bucketArn, '/inbound/*']] },
            Condition: SES_SOURCE,
          },
        ]),
      },
    });
  });

  it('lets SES encrypt with the key for that rule only', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowSesToEncryptInboundMail',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
            Condition: SES_SOURCE,
          },
        ]),
      },
    });
  });

  it('receives the domain over TLS with spam and virus scanning, stores the message and then invokes the function', () => {
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      RuleSetName: { Ref: Match.stringLikeRegexp('^InboundMailRuleSet') },
      Rule: {
        Name: 'carebridge-inbound',
        Enabled: true,
        Recipients: ['support.example.com'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [
          {
            S3Action: {
              BucketName: { Ref: Match.stringLikeRegexp('^InboundMailBucket') },
              ObjectKeyPrefix: 'inbound/',
            },
          },
          {
            LambdaAction: {
              FunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Receiver'), 'Arn'] },
              InvocationType: 'Event',
            },
          },
        ],
      },
    });
  });

  it('creates the rule after the bucket policy and the invoke permission SES checks', () => {
    template.hasResource('AWS::SES::ReceiptRule', {
      DependsOn: Match.arrayWith([
        Match.stringLikeRegexp('^InboundMailBucketPolicy'),
        Match.stringLikeRegexp('^ReceiverAllowSes'),
      ]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'ses.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: RULE_ARN,
    });
  });

  it('makes the rule set active after the rule exists and deactivates it on delete', () => {
    const [activation] = Object.values(template.findResources('Custom::SesActiveReceiptRuleSet'));
    expect(activation?.DependsOn).toEqual(
      expect.arrayContaining([expect.stringMatching(/^InboundMailRuleSetRule/)]),
    );
    expect(JSON.stringify(activation?.Properties.Create)).toContain('SetActiveReceiptRuleSet');
    expect(JSON.parse(activation?.Properties.Delete)).toEqual({
      service: 'SES',
      action: 'SetActiveReceiptRuleSet',
      parameters: {},
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'ses:SetActiveReceiptRuleSet', Resource: '*' }],
      },
    });
  });

  it('runs the activation under a role without managed policies', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('activates the inbound mail receipt rule set'),
      ManagedPolicyArns: Match.absent(),
    });
  });

  it('lets a reader get raw mail under inbound/ and decrypt through S3 only, and passes bucket and prefix', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ReceiverServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [bucketArn, '/inbound/*']] },
          },
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InboundMailKey'), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          [ENV.inboundMailBucket]: { Ref: Match.stringLikeRegexp('^InboundMailBucket') },
          [ENV.inboundMailPrefix]: 'inbound/',
        },
      },
    });
  });

  it('lets an eraser delete raw mail under inbound/ only, without the key, and passes bucket and prefix', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^EraserServiceRole') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:DeleteObject',
            Resource: { 'Fn::Join': ['', [bucketArn, '/inbound/*']] },
          },
        ],
      },
    });
    const eraser = template.findResources('AWS::Lambda::Function', {
      Properties: { Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EraserServiceRole'), 'Arn'] } },
    });
    expect(Object.values(eraser)).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          Environment: {
            Variables: {
              [ENV.inboundMailBucket]: { Ref: expect.stringMatching(/^InboundMailBucket/) },
              [ENV.inboundMailPrefix]: 'inbound/',
            },
          },
        }),
      }),
    ]);
  });

  it('creates no receipt rule without a recipient domain', () => {
    withoutDomain.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    withoutDomain.resourceCountIs('AWS::SES::ReceiptRule', 0);
    withoutDomain.resourceCountIs('Custom::SesActiveReceiptRuleSet', 0);
    withoutDomain.resourceCountIs('AWS::S3::Bucket', 2);
    withoutDomain.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
  });

  it('leaves no AwsSolutions finding: the log bucket, the prefix grant and the activation say why', () => {
    expect(nagFindings(mail)).toEqual([]);
    // The custom resource's provider function lives at the stack's root (the test's own inline
    // functions have the CDK's default role).
    expect(
      nagFindings(Stack.of(mail)).filter(
        (finding) => !finding.includes('/Receiver/') && !finding.includes('/Eraser/'),
      ),
    ).toEqual([]);
    expect(acknowledgements(Stack.of(mail)).map((entry) => entry.id)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-S1',
        'AwsSolutions-IAM5[Resource::*]',
        expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<InboundMailBucket\w+\.Arn>\/inbound\/\*\]$/),
      ]),
    );
  });
});
