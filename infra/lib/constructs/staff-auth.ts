import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { STAFF_ROLES } from '../../../functions/lib/http.js';

export interface StaffAuthProps {
  /**
   * Keep the user pool when the stack is deleted or the pool is replaced, and turn on deletion
   * protection. Turn off only for throw-away stages.
   * @default true
   */
  readonly retain?: boolean;
  /**
   * Cognito threat protection (compromised credentials, risky sign-ins) enforced, which needs the
   * Plus feature plan (billed per monthly active user). Staff accounts read every customer's data,
   * so it is on unless a stage opts out.
   * @default true
   */
  readonly threatProtection?: boolean;
}

/**
 * Staff sign-in: a Cognito user pool where admins create accounts (no self sign-up), a strong
 * password policy, TOTP MFA required, one group per staff role (agent, supervisor, marketing, admin:
 * the `cognito:groups` claim the handlers check), and a public app client using SRP.
 */
export class StaffAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** Issuer (`iss`) of the pool's tokens, for JWT authorizers. */
  readonly issuerUrl: string;
  /** The app client id: the audience a JWT authorizer accepts. */
  readonly clientId: string;

  constructor(scope: Construct, id: string, props: StaffAuthProps = {}) {
    super(scope, id);
    const retain = props.retain ?? true;
    const threatProtection = props.threatProtection ?? true;

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // TOTP only: SMS codes can be intercepted and would need an SMS role and spend.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection ? FeaturePlan.PLUS : FeaturePlan.ESSENTIALS,
      standardThreatProtectionMode: threatProtection ? StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      deletionProtection: retain,
      removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    if (!threatProtection) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'Threat protection (Plus plan) turned off for this stage by the threatProtection prop.',
      });
    }

    for (const role of STAFF_ROLES) {
      this.userPool.addGroup(`${role}Group`, { groupName: role, description: `carebridge ${role}s` });
    }

    this.client = this.userPool.addClient('StaffClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });
    this.issuerUrl = this.userPool.userPoolProviderUrl;
    this.clientId = this.client.userPoolClientId;
  }
}
