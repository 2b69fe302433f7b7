import { describe, expect, it } from 'vitest';
import { smsKeyword, smsKeywordOf } from '../../shared/channels/sms/keywords.js';
import { inbound, phone } from '../support/inbound.js';

describe('smsKeyword', () => {
  it.each(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'])(
    'reads %s as an opt-out',
    (word) => {
      expect(smsKeyword(word)).toEqual({ kind: 'opt-out', keyword: word });
    },
  );

  it.each(['START', 'UNSTOP'])('reads %s as an opt-in', (word) => {
    expect(smsKeyword(word)).toEqual({ kind: 'opt-in', keyword: word });
  });

  it.each(['HELP', 'INFO'])('reads %s as a help request', (word) => {
    expect(smsKeyword(word)).toEqual({ kind: 'help', keyword: word });
  });

  it('ignores case, surrounding space and trailing punctuation', () => {
    expect(smsKeyword('  sToP \n')).toEqual({ kind: 'opt-out', keyword: 'STOP' });
    expect(smsKeyword('Stop.')).toEqual({ kind: 'opt-out', keyword: 'STOP' });
    expect(smsKeyword('help!')).toEqual({ kind: 'help', keyword: 'HELP' });
  });

  it('matches the whole message only', () => {
    expect(smsKeyword('Please stop the order')).toBeUndefined();
    expect(smsKeyword('stop it')).toBeUndefined();
    expect(smsKeyword('')).toBeUndefined();
  });

  it('does not read YES as an opt-in, as it usually answers an agent', () => {
    expect(smsKeyword('Yes')).toBeUndefined();
  });
});

describe('smsKeywordOf', () => {
  it("prefers the provider's classification and notes that the provider answered", () => {
    const message = inbound([phone('+14155552671')], {
      channel: 'sms',
      body: 'Arrêt',
      providerRefs: { provider: 'twilio', optOutType: 'STOP' },
    });

    expect(smsKeywordOf(message)).toEqual({ kind: 'opt-out', keyword: 'ARRÊT', answeredByProvider: true });
  });

  it('matches the body itself when the provider said nothing', () => {
    const message = inbound([phone('+14155552671')], { channel: 'sms', body: 'start', providerRefs: {} });

    expect(smsKeywordOf(message)).toEqual({ kind: 'opt-in', keyword: 'START', answeredByProvider: false });
  });
});
