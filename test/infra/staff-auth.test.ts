import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../../functions/lib/http.js';
import { StaffAuth } from '../../infra/lib/constructs/staff-auth.js';
import { nagFindings, unbundledApp } from './support.js';

let auth: StaffAuth;
let template: Template;
let lite: StaffAuth;
let liteTemplate: Template;

beforeAll(() => {
  const stack = new Stack(unbundledApp(), 'AuthTest');
  auth = new StaffAuth(stack, 'StaffAuth');
  template = Template.fromStack(stack);

  const devStack = new Stack(unbundledApp(), 'DevAuthTest');
  lite = new StaffAuth(devStack, 'StaffAuth', { retain: false, threatProtection: false });
  liteTemplate = Template.fromStack(devStack);
});

describe('StaffAuth', () => {
  it('lets only admins create accounts, signed in by email', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UsernameAttributes: ['email'],
    });
  });

  it('requires strong passwords', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
          TemporaryPasswordValidityDays: 3,
        },
      },
    });
  });

  it('requires MFA with an authenticator app', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('enforces threat protection on the Plus plan', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
    });
  });

  it('has one group per staff role', () => {
    template.resourceCountIs('AWS::Cognito::UserPoolGroup', STAFF_ROLES.length);
    for (const role of STAFF_ROLES) {
      template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: role });
    }
  });

  it('has a public app client that signs in with SRP only', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      AllowedOAuthFlowsUserPoolClient: false,
      PreventUserExistenceErrors: 'ENABLED',
      EnableTokenRevocation: true,
    });
  });

  it('outputs the issuer URL and client id for JWT authorizers', () => {
    const stack = Stack.of(auth);
    expect(stack.resolve(auth.issuerUrl)).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^StaffAuthUserPool[0-9A-F]{8}$/), 'ProviderURL'],
    });
    expect(stack.resolve(auth.clientId)).toEqual({
      Ref: expect.stringMatching(/^StaffAuthUserPoolStaffClient/),
    });
  });

  it('retains the pool and protects it from deletion by default', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
    });
  });

  it('lets a throw-away stage delete the pool and skip threat protection', () => {
    liteTemplate.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtection: 'INACTIVE', UserPoolTier: 'ESSENTIALS' }),
    });
  });

  it('leaves no AwsSolutions finding, and acknowledges the plan only when threat protection is off', () => {
    expect(nagFindings(auth)).toEqual([]);
    expect(nagFindings(lite)).toEqual([]);
  });
});
