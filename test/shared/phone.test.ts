import { createRequire } from 'node:module';
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { installedMinMetadata, parseOnlyMetadata } from '../../scripts/phone-metadata.js';
import { PHONE_METADATA_JSON, PHONE_METADATA_SOURCE } from '../../shared/phone/metadata.js';
import { isPhoneRegion, toE164 } from '../../shared/phone/phone-number.js';

const require = createRequire(import.meta.url);
// One valid mobile number per region, national significant number (shipped with libphonenumber-js).
const EXAMPLES: Record<string, string> = require('libphonenumber-js/examples.mobile.json');
const MIN_METADATA = JSON.parse(installedMinMetadata().json);

/** What the full libphonenumber-js (its default min metadata) makes of a number: the oracle. */
function oracle(raw: string, defaultRegion?: CountryCode): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, defaultRegion);
  return parsed?.isValid() ? parsed.number : undefined;
}

/** Ways a customer might type the example of `region`, valid or not. */
function spellings(region: string, example: string): string[] {
  const callingCode: string = MIN_METADATA.countries[region][0];
  const nationalPrefix: unknown = MIN_METADATA.countries[region][5];
  const variants = [
    example,
    example.slice(0, -1),
    `${example}7`,
    `9${example.slice(1)}`,
    `1${example.slice(1)}`,
    ...(typeof nationalPrefix === 'string' ? [`${nationalPrefix}${example}`] : []),
  ];
  return [
    ...variants,
    ...variants.map((digits) => `+${callingCode}${digits}`),
    `+${callingCode} ${example.slice(0, 3)} ${example.slice(3)}`,
    `00${callingCode}${example}`,
    `011 ${callingCode} ${example}`,
    `(${example.slice(0, 3)}) ${example.slice(3, 6)}-${example.slice(6)}`,
  ];
}

describe('phone numbers (shared/phone)', () => {
  it('reads every region exactly as libphonenumber-js with its full min metadata does', () => {
    // Prepare
    const regions = Object.keys(EXAMPLES);
    let valid = 0;
    let compared = 0;
    // Act
    for (const region of regions) {
      const example = EXAMPLES[region] ?? '';
      if (!isSupportedCountry(region)) continue;
      for (const raw of spellings(region, example)) {
        for (const defaultRegion of [undefined, region, 'US', 'DE'] as const) {
          const expected = oracle(raw, defaultRegion as CountryCode | undefined);
          // Assess
          expect(toE164(raw, defaultRegion as CountryCode | undefined), `${raw} in ${defaultRegion}`).toBe(
            expected,
          );
          compared += 1;
          if (expected !== undefined) valid += 1;
        }
      }
    }
    expect(regions.length).toBeGreaterThan(240);
    expect(valid).toBeGreaterThan(compared / 4);
  });

  it('keeps the examples of the identity tests', () => {
    expect(toE164('+1 (415) 555-2671')).toBe('+14155552671');
    expect(toE164('020 7946 0958', 'GB')).toBe('+442079460958');
    expect(toE164('415 555 2671')).toBeUndefined();
    expect(toE164('+1 555')).toBeUndefined();
  });

  it('knows the regions libphonenumber-js knows, and no others', () => {
    for (const region of Object.keys(MIN_METADATA.countries)) expect(isPhoneRegion(region)).toBe(true);
    for (const code of ['XX', 'us', 'USA', '', 'constructor', 'toString']) {
      expect(isPhoneRegion(code)).toBe(false);
    }
  });

  it('holds the metadata of the installed libphonenumber-js (run scripts/phone-metadata.ts if not)', () => {
    const installed = installedMinMetadata();
    expect(PHONE_METADATA_SOURCE).toBe(`libphonenumber-js@${installed.version}`);
    expect(PHONE_METADATA_JSON).toBe(parseOnlyMetadata(installed.json));
  });
});
