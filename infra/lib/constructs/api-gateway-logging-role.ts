import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The account-level role API Gateway writes REST and WebSocket API logs with (one per account and
 * region; HTTP APIs do not need it). A WebSocket stage with access logging cannot be created without
 * it. Both the role and the setting are kept when the stack is deleted, as other APIs of the account
 * may log through them.
 */
export class ApiGatewayLoggingRole extends Construct {
  readonly role: Role;
  /** The account setting; make a logging stage depend on it. */
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway: writes REST and WebSocket API logs of this account and region',
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    this.role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "The account-wide API Gateway logging role serves every REST and WebSocket API of the account and region, including log groups API Gateway creates itself; AWS's managed policy for exactly this role is the one AWS maintains for it.",
    });
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: this.role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
  }
}
