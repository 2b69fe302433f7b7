import { describe, expect, it } from 'vitest';
import {
  InvalidIdentityError,
  normalizeEmail,
  normalizePhone,
  uniqueIdentities,
} from '../../shared/ingest/identity.js';
import { mergeConsent } from '../../shared/ingest/merge-customers.js';

describe('identity normalization', () => {
  it('lower-cases and trims email addresses', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('refuses something that is not an email address', () => {
    expect(() => normalizeEmail('ada@')).toThrow(InvalidIdentityError);
  });

  it('writes phone numbers in E.164 whatever their punctuation', () => {
    expect(normalizePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958');
  });

  it('refuses a national number without a default region, and an impossible number', () => {
    expect(() => normalizePhone('415 555 2671')).toThrow(InvalidIdentityError);
    expect(() => normalizePhone('+1 555')).toThrow(InvalidIdentityError);
  });

  it('drops repeated identities and keeps the order', () => {
    const ada = { kind: 'email' as const, value: 'ada@example.com' };
    const phone = { kind: 'phone' as const, value: '+14155552671' };
    expect(uniqueIdentities([ada, phone, { ...ada }])).toEqual([ada, phone]);
  });
});

describe('mergeConsent', () => {
  it('lets an opt-out on either side win over a later opt-in', () => {
    const merged = mergeConsent([
      { sms: { status: 'opted_out', at: '2026-10-01T00:00:00.000Z', source: 'sms-keyword:STOP' } },
      {
        sms: { status: 'opted_in', at: '2026-11-01T00:00:00.000Z', source: 'webform' },
        email: { status: 'opted_in', at: '2026-11-01T00:00:00.000Z', source: 'webform' },
      },
    ]);

    expect(merged.sms?.status).toBe('opted_out');
    expect(merged.email?.status).toBe('opted_in');
  });
});
