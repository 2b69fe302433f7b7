import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SMS_HELP_TEXT, readSmsKeywordSettings } from '../../shared/channels/sms/sms-settings.js';
import { readTwilioAuthToken, readTwilioWebhookUrl } from '../../shared/channels/sms/twilio-config.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:carebridge/twilio-auth-token-AbCdEf';

function tokenSources(token: string, secretArn: string): void {
  vi.stubEnv('TWILIO_AUTH_TOKEN', token);
  vi.stubEnv('TWILIO_AUTH_TOKEN_SECRET_ARN', secretArn);
}

describe('readTwilioAuthToken', () => {
  const secrets = mockClient(SecretsManagerClient);

  afterEach(() => {
    secrets.reset();
  });

  it('takes the token from TWILIO_AUTH_TOKEN', async () => {
    // Prepare
    tokenSources('local-token', '');
    const readSecret = vi.fn();

    // Act
    const token = await readTwilioAuthToken(readSecret);

    // Assess
    expect(token).toBe('local-token');
    expect(readSecret).not.toHaveBeenCalled();
  });

  it('reads the secret named by TWILIO_AUTH_TOKEN_SECRET_ARN', async () => {
    tokenSources('', SECRET_ARN);
    const readSecret = vi.fn(async () => 'token-from-secret');

    const token = await readTwilioAuthToken(readSecret);

    expect(token).toBe('token-from-secret');
    expect(readSecret).toHaveBeenCalledWith(SECRET_ARN);
  });

  it('reads the secret from Secrets Manager by default', async () => {
    tokenSources('', SECRET_ARN);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: 'token-from-aws' });

    const token = await readTwilioAuthToken();

    expect(token).toBe('token-from-aws');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('refuses both sources at once', async () => {
    tokenSources('local-token', SECRET_ARN);

    await expect(readTwilioAuthToken(vi.fn())).rejects.toThrow('not both');
  });

  it('refuses neither source', async () => {
    tokenSources('', '');

    await expect(readTwilioAuthToken(vi.fn())).rejects.toThrow(
      'TWILIO_AUTH_TOKEN or TWILIO_AUTH_TOKEN_SECRET_ARN',
    );
  });

  it('refuses a secret without a token string', async () => {
    tokenSources('', SECRET_ARN);

    await expect(readTwilioAuthToken(async () => new Uint8Array([1, 2]))).rejects.toThrow(
      'holds no token string',
    );
  });
});

describe('readTwilioWebhookUrl', () => {
  it('keeps the configured URL exactly, query string included', () => {
    vi.stubEnv('TWILIO_WEBHOOK_URL', 'https://sms.example.com/v1/channels/sms/twilio?tenant=acme');

    expect(readTwilioWebhookUrl()).toBe('https://sms.example.com/v1/channels/sms/twilio?tenant=acme');
  });

  it('refuses a value that is not an http(s) URL', () => {
    vi.stubEnv('TWILIO_WEBHOOK_URL', 'ftp://example.com/hook');

    expect(() => readTwilioWebhookUrl()).toThrow('TWILIO_WEBHOOK_URL must be an http(s) URL');
  });
});

describe('readSmsKeywordSettings', () => {
  it('answers keywords with the default help text when nothing is configured', () => {
    vi.stubEnv('SMS_KEYWORD_REPLIES', '');
    vi.stubEnv('SMS_HELP_TEXT', '');

    expect(readSmsKeywordSettings()).toEqual({ replies: true, helpText: DEFAULT_SMS_HELP_TEXT });
  });

  it('turns keyword answers off and takes a configured help text', () => {
    vi.stubEnv('SMS_KEYWORD_REPLIES', 'off');
    vi.stubEnv('SMS_HELP_TEXT', 'Acme: call 555-0100 or reply here.');

    expect(readSmsKeywordSettings()).toEqual({
      replies: false,
      helpText: 'Acme: call 555-0100 or reply here.',
    });
  });

  it('refuses any other switch value', () => {
    vi.stubEnv('SMS_KEYWORD_REPLIES', 'yes');

    expect(() => readSmsKeywordSettings()).toThrow('SMS_KEYWORD_REPLIES must be on or off');
  });
});
