import { Aws, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  DkimIdentity,
  EasyDkimSigningKeyLength,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import { ENV } from '../../../functions/manifest.js';
import { CareTopic } from './care-topic.js';

export interface EmailSendingProps {
  /**
   * Domain to verify as an SES identity, with Easy DKIM (2048-bit keys); its CNAME records must be
   * published in DNS (docs/deploying.md).
   * @default - no identity is created; the From address must be verified in SES by hand
   */
  readonly domain?: string;
  /**
   * From address of outgoing mail, on a verified identity (the domain above or one of its own).
   * @default - email sending is not configured: functions get no sender settings
   */
  readonly fromAddress?: string;
  /**
   * Display name of the From address.
   * @default - the address alone
   */
  readonly fromName?: string;
  /**
   * Keep the feedback topic's key when the stack is deleted.
   * @default true
   */
  readonly retain?: boolean;
}

/**
 * Outgoing email on SES: the domain identity with Easy DKIM, a configuration set (TLS required,
 * account suppression list for bounces and complaints) whose bounce and complaint events go to the
 * encrypted `email-feedback` topic, and send permissions for functions that send.
 */
export class EmailSending extends Construct {
  readonly configurationSet: ConfigurationSet;
  /** The domain identity, when a domain is given. */
  readonly identity?: EmailIdentity;
  /** Bounce and complaint notifications (manifest topic `email-feedback`). */
  readonly feedbackTopic: CareTopic;
  /** The From address, when email sending is configured. */
  readonly fromAddress?: string;
  private readonly fromName?: string;
  private readonly domain?: string;

  constructor(scope: Construct, id: string, props: EmailSendingProps = {}) {
    super(scope, id);
    this.fromAddress = props.fromAddress;
    this.fromName = props.fromName;
    this.domain = props.domain;

    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
    });
    this.feedbackTopic = new CareTopic(this, 'FeedbackTopic', {
      topicName: 'email-feedback',
      retain: props.retain,
    });
    // The event destination adds the topic policy for SES itself; the key policy is ours to add.
    this.feedbackTopic.allowPublisher({
      service: 'ses.amazonaws.com',
      sourceArn: this.configurationSetArn,
      topicPolicy: false,
    });
    this.configurationSet.addEventDestination('Feedback', {
      destination: EventDestination.snsTopic(this.feedbackTopic.topic),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    if (props.domain) {
      this.identity = new EmailIdentity(this, 'DomainIdentity', {
        identity: Identity.domain(props.domain),
        dkimIdentity: DkimIdentity.easyDkim(EasyDkimSigningKeyLength.RSA_2048_BIT),
        // Mail sent from the identity without naming a configuration set still reports feedback.
        configurationSet: this.configurationSet,
      });
    }
  }

  /** ARN of the configuration set (SES checks SendEmail against it too). */
  get configurationSetArn(): string {
    return Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });
  }

  /**
   * Lets `fn` send as the From address through the configuration set and passes the sender settings
   * (`ENV.email`). Returns false, granting and setting nothing, when email sending is not configured.
   */
  bindSender(fn: LambdaFunction): boolean {
    if (!this.fromAddress) return false;
    const addressDomain = this.fromAddress.slice(this.fromAddress.lastIndexOf('@') + 1);
    if (this.identity && addressDomain === this.domain) {
      this.identity.grantSendEmail(fn);
    } else {
      // Verified by hand: as an address or as its domain, whichever the operator chose.
      const identityArn = (name: string) =>
        `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${name}`;
      Grant.addToPrincipal({
        grantee: fn,
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resourceArns: [identityArn(this.fromAddress), identityArn(addressDomain)],
      });
    }
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [this.configurationSetArn],
    });
    fn.addEnvironment(ENV.email.from, this.fromAddress);
    if (this.fromName) fn.addEnvironment(ENV.email.fromName, this.fromName);
    fn.addEnvironment(ENV.email.configurationSet, this.configurationSet.configurationSetName);
    return true;
  }
}
