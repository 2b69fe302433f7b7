import { describe, expect, it } from 'vitest';
import { isValidTwilioSignature } from '../../shared/channels/sms/twilio-signature.js';
import { parseFormBody } from '../../shared/channels/sms/twilio-webhook.js';
import { twilioSignature } from '../support/twilio.js';

// Twilio's own test vector (its helper library's tests; see shared/corpus/README.md).
const VECTOR = {
  authToken: '12345',
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  params: {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+14158675309',
    Digits: '1234',
    From: '+14158675309',
    To: '+18005551212',
  },
  signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
};

describe('isValidTwilioSignature', () => {
  it("accepts Twilio's documented test vector, whose URL carries a query string", () => {
    // Act
    const valid = isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, VECTOR.url, VECTOR.params);

    // Assess
    expect(valid).toBe(true);
  });

  it('agrees with the documented algorithm computed independently', () => {
    const computed = twilioSignature(VECTOR.authToken, VECTOR.url, Object.entries(VECTOR.params));

    expect(computed).toBe(VECTOR.signature);
  });

  it('refuses a request whose parameter was tampered with', () => {
    const tampered = { ...VECTOR.params, Digits: '1235' };

    expect(isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, VECTOR.url, tampered)).toBe(false);
  });

  it('refuses a request with an added parameter', () => {
    const added = { ...VECTOR.params, Body: 'extra' };

    expect(isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, VECTOR.url, added)).toBe(false);
  });

  it('refuses a signature made with another auth token', () => {
    expect(isValidTwilioSignature('54321', VECTOR.signature, VECTOR.url, VECTOR.params)).toBe(false);
  });

  it('refuses a signature for another URL or query string', () => {
    const otherQuery = 'https://mycompany.com/myapp.php?foo=1&bar=3';
    const otherHost = 'https://attacker.example/myapp.php?foo=1&bar=2';

    expect(isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, otherQuery, VECTOR.params)).toBe(false);
    expect(isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, otherHost, VECTOR.params)).toBe(false);
  });

  it('accepts the signature whether or not the configured URL spells out the default port', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';

    expect(isValidTwilioSignature(VECTOR.authToken, VECTOR.signature, withPort, VECTOR.params)).toBe(true);
  });

  it('refuses a missing or empty signature', () => {
    expect(isValidTwilioSignature(VECTOR.authToken, undefined, VECTOR.url, VECTOR.params)).toBe(false);
    expect(isValidTwilioSignature(VECTOR.authToken, '', VECTOR.url, VECTOR.params)).toBe(false);
  });

  it('refuses a signature of the wrong length without throwing', () => {
    expect(isValidTwilioSignature(VECTOR.authToken, 'short', VECTOR.url, VECTOR.params)).toBe(false);
  });

  it('covers every value of a repeated parameter', () => {
    // Prepare
    const url = 'https://example.com/sms';
    const params = parseFormBody('Tag=b&Tag=a&From=%2B14155552671');
    const signature = twilioSignature('token', url, [
      ['Tag', 'b'],
      ['Tag', 'a'],
      ['From', '+14155552671'],
    ]);

    // Act
    const valid = isValidTwilioSignature('token', signature, url, params);
    const dropped = isValidTwilioSignature('token', signature, url, { ...params, Tag: 'a' });

    // Assess
    expect(valid).toBe(true);
    expect(dropped).toBe(false);
  });
});
