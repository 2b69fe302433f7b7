import { Aws, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import {
  type IReceiptRuleAction,
  type ReceiptRule,
  type ReceiptRuleActionConfig,
  ReceiptRuleSet,
  TlsPolicy,
} from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType } from 'aws-cdk-lib/aws-ses-actions';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../../functions/manifest.js';
import { acknowledgeWildcardResource } from '../nag.js';

/** Where SES stores raw mail in the bucket; the handler reads only below it. */
export const INBOUND_MAIL_PREFIX = 'inbound/';

export interface InboundMailProps {
  /**
   * The domain whose mail is received (`support.example.com`; its MX record points at SES). Without
   * it, the bucket exists but no receipt rule is created.
   * @default - no receipt rule
   */
  readonly recipientDomain?: string;
  /**
   * Name of the receipt rule set. An account has one active rule set per region, and this one is
   * made active: two stacks in one account and region would take it from each other.
   * @default `<stack name>-inbound-mail`
   */
  readonly ruleSetName?: string;
  /**
   * How long raw mail is kept (the timeline keeps the parsed message).
   * @default Duration.days(90)
   */
  readonly retention?: Duration;
  /**
   * Keep the buckets and the key when the stack is deleted. A deleted stack's buckets must be
   * emptied first. Turn off only for throw-away stages.
   * @default true
   */
  readonly retain?: boolean;
}

const RULE_NAME = 'carebridge-inbound';

/**
 * Inbound email on SES: raw MIME lands in an S3 bucket (blocked from the public, TLS-only, SSE-KMS
 * with a customer-managed key rotated yearly, server access logs in a log bucket, expired after the
 * retention), written by SES under `inbound/` and nowhere else; a receipt rule for the domain (spam
 * and virus scan, TLS required) stores each message there, then invokes the mail function
 * asynchronously; the rule set is made active by a custom resource.
 */
export class InboundMail extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  readonly encryptionKey: Key;
  /** The receipt rule set, when a recipient domain is given. */
  readonly ruleSet?: ReceiptRuleSet;
  readonly ruleSetName: string;
  /** ARN of the receipt rule: the only source SES may write the bucket for. */
  readonly ruleArn: string;
  private readonly recipientDomain?: string;
  private readonly removalPolicy: RemovalPolicy;
  private receiptRule?: ReceiptRule;

  constructor(scope: Construct, id: string, props: InboundMailProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.removalPolicy = removalPolicy;
    this.recipientDomain = props.recipientDomain;
    this.ruleSetName = props.ruleSetName ?? `${Stack.of(this).stackName}-inbound-mail`;
    // Built from names rather than references: the bucket policy must exist before the rule (SES
    // checks its permissions when the rule is created), so it cannot refer to the rule.
    this.ruleArn = `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:receipt-rule-set/${this.ruleSetName}:receipt-rule/${RULE_NAME}`;

    this.encryptionKey = new Key(this, 'Key', {
      description: 'carebridge raw inbound mail',
      enableKeyRotation: true,
      removalPolicy,
    });
    // S3 puts server access logs only into a bucket with S3-managed keys.
    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the inbound mail bucket; logging its own accesses would log into itself without end.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'inbound-mail/',
      // SES writes each message once under a new key and readers may only read (erasure deletes), so
      // versions would only keep deleted mail beyond its retention.
      versioned: false,
      lifecycleRules: [
        { prefix: INBOUND_MAIL_PREFIX, expiration: props.retention ?? Duration.days(90) },
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });

    const sesWrites = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID, 'aws:SourceArn': this.ruleArn },
    };
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToStoreInboundMail',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${INBOUND_MAIL_PREFIX}*`)],
        conditions: sesWrites,
      }),
    );
    // The bucket encrypts with the key on SES's behalf; a multipart upload also decrypts the data key.
    this.encryptionKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowSesToEncryptInboundMail',
        principals: [new ServicePrincipal('ses.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: sesWrites,
      }),
    );

    if (props.recipientDomain) {
      this.ruleSet = new ReceiptRuleSet(this, 'RuleSet', { receiptRuleSetName: this.ruleSetName });
    }
  }

  /**
   * Lets `fn` read raw mail (GetObject below `inbound/`, the key through S3 only) and passes the
   * bucket and prefix (`ENV.inboundMailBucket`, `ENV.inboundMailPrefix`).
   */
  bindReader(fn: LambdaFunction): void {
    const objects = this.bucket.arnForObjects(`${INBOUND_MAIL_PREFIX}*`);
    Grant.addToPrincipal({ grantee: fn, actions: ['s3:GetObject'], resourceArns: [objects] });
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
    });
    acknowledgeWildcardResource(
      fn.role,
      objects,
      'Raw mail is stored under keys SES chooses at delivery (its message ids); the grant is read-only and limited to the inbound/ prefix of the mail bucket.',
    );
    fn.addEnvironment(ENV.inboundMailBucket, this.bucket.bucketName);
    fn.addEnvironment(ENV.inboundMailPrefix, INBOUND_MAIL_PREFIX);
  }

  /**
   * Lets `fn` delete raw mail (DeleteObject below `inbound/` only: erasure of a customer's mail, and of a
   * late message whose sender was erased) and passes the bucket and prefix. Deleting needs no key use.
   */
  bindDeleter(fn: LambdaFunction): void {
    const objects = this.bucket.arnForObjects(`${INBOUND_MAIL_PREFIX}*`);
    Grant.addToPrincipal({ grantee: fn, actions: ['s3:DeleteObject'], resourceArns: [objects] });
    acknowledgeWildcardResource(
      fn.role,
      objects,
      "Raw mail is stored under keys SES chooses at delivery (its message ids); erasure deletes the ones a customer's records name, and the grant is limited to DeleteObject below the inbound/ prefix of the mail bucket.",
    );
    fn.addEnvironment(ENV.inboundMailBucket, this.bucket.bucketName);
    fn.addEnvironment(ENV.inboundMailPrefix, INBOUND_MAIL_PREFIX);
  }

  /**
   * Makes `fn` the receiver of the domain's mail: a receipt rule for the recipient domain that scans
   * for spam and viruses, requires TLS, stores the raw message under `inbound/` and then invokes
   * `fn` asynchronously (SES may invoke it for this rule only), and a custom resource that makes the
   * rule set the active one (and deactivates it before the stack deletes it). Without a recipient
   * domain, nothing is created and undefined is returned.
   */
  deliverTo(fn: LambdaFunction): ReceiptRule | undefined {
    if (!this.ruleSet || !this.recipientDomain) return undefined;
    if (this.receiptRule) throw new Error(`${this.node.path}: inbound mail already goes to a function`);
    // Added before the Lambda action, which then keeps this narrower permission instead of its own.
    fn.addPermission('AllowSes', {
      principal: new ServicePrincipal('ses.amazonaws.com'),
      sourceAccount: Aws.ACCOUNT_ID,
      sourceArn: this.ruleArn,
    });
    this.receiptRule = this.ruleSet.addRule('Rule', {
      receiptRuleName: RULE_NAME,
      recipients: [this.recipientDomain],
      scanEnabled: true,
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [
        new StoreInBucket(this.bucket, INBOUND_MAIL_PREFIX),
        new LambdaAction({ function: fn, invocationType: LambdaInvocationType.EVENT }),
      ],
    });
    this.activateRuleSet(this.ruleSet, this.receiptRule);
    return this.receiptRule;
  }

  private activateRuleSet(ruleSet: ReceiptRuleSet, rule: ReceiptRule): void {
    // A role and log group of our own, so the provider function gets no managed policy and no
    // permission beyond its log group and the one SES call.
    const role = new Role(this, 'ActivationRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'carebridge: activates the inbound mail receipt rule set',
    });
    const logGroup = new LogGroup(this, 'ActivationLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: this.removalPolicy,
    });
    logGroup.grantWrite(role);
    const activation = new AwsCustomResource(this, 'ActivateRuleSet', {
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      onCreate: {
        service: 'SES',
        action: 'SetActiveReceiptRuleSet',
        parameters: { RuleSetName: ruleSet.receiptRuleSetName },
        physicalResourceId: PhysicalResourceId.of(this.ruleSetName),
      },
      onUpdate: {
        service: 'SES',
        action: 'SetActiveReceiptRuleSet',
        parameters: { RuleSetName: ruleSet.receiptRuleSetName },
        physicalResourceId: PhysicalResourceId.of(this.ruleSetName),
      },
      // No RuleSetName: no rule set is active. CloudFormation cannot delete the active rule set.
      onDelete: { service: 'SES', action: 'SetActiveReceiptRuleSet', parameters: {} },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['ses:SetActiveReceiptRuleSet'], resources: ['*'] }),
      ]),
      installLatestAwsSdk: false,
      role,
      logGroup,
    });
    // Activated after the rule exists, deactivated before the rule set is deleted.
    activation.node.addDependency(rule);
    Validations.of(activation.node.findChild('CustomResourcePolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:SetActiveReceiptRuleSet supports no resource-level permissions; this role belongs to the custom resource that activates the rule set, nothing else.',
    });
  }
}

/**
 * The receipt rule's S3 action without the CDK's own bucket policy statement, which trusts SES for
 * any rule of the account: the construct's statement names this rule.
 */
class StoreInBucket implements IReceiptRuleAction {
  constructor(
    private readonly bucket: Bucket,
    private readonly prefix: string,
  ) {}

  bind(receiptRule: Parameters<IReceiptRuleAction['bind']>[0]): ReceiptRuleActionConfig {
    const policy = this.bucket.policy;
    if (policy) receiptRule.node.addDependency(policy);
    return { s3Action: { bucketName: this.bucket.bucketName, objectKeyPrefix: this.prefix } };
  }
}
