import {
  type CountryCode,
  type MetadataJson,
  ParseError,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/core/es6';
import { PHONE_METADATA_JSON } from './metadata.js';

/**
 * Phone numbers through libphonenumber-js's core with the metadata of shared/phone/metadata.ts: the
 * package's default (min) metadata without its formatting data, which parsing and validation never
 * read. Kept as JSON text and parsed on the first number, so a function pays for the metadata only
 * once a number is present (about 0.3 ms), not at every cold start.
 *
 * The core comes from the package's ES2015+ build (`core/es6`, the same sources without Babel's
 * down-levelled classes and helpers): 22 KB in a bundle instead of 36 KB, and no helper code run at
 * import. test/shared/phone.test.ts compares every region's numbers with the package's default build.
 */

/** A region (ISO 3166-1 alpha-2, e.g. `US`) libphonenumber knows. */
export type PhoneRegion = CountryCode;

let metadata: MetadataJson | undefined;

/** The parsed metadata, parsed once per execution environment. */
function phoneMetadata(): MetadataJson {
  if (metadata === undefined) {
    const parsed: unknown = JSON.parse(PHONE_METADATA_JSON);
    if (!isMetadataJson(parsed)) throw new Error('shared/phone/metadata.ts holds no phone metadata');
    metadata = parsed;
  }
  return metadata;
}

// The same check libphonenumber-js makes of metadata it is given.
function isMetadataJson(value: unknown): value is MetadataJson {
  return (
    typeof value === 'object' &&
    value !== null &&
    'countries' in value &&
    typeof value.countries === 'object' &&
    'country_calling_codes' in value &&
    typeof value.country_calling_codes === 'object'
  );
}

/**
 * The number in E.164 when libphonenumber reads it as a valid number (for its country), else
 * undefined. Numbers without a country prefix are read in `defaultRegion`.
 */
export function toE164(raw: string, defaultRegion?: PhoneRegion): string | undefined {
  // What parsePhoneNumberFromString does, without its wrapper module: an unknown default region is
  // ignored, and a text that is no phone number (ParseError) is not a number.
  const defaultCountry =
    defaultRegion !== undefined && isPhoneRegion(defaultRegion) ? defaultRegion : undefined;
  try {
    const parsed = parsePhoneNumberWithError(raw, { defaultCountry }, phoneMetadata());
    return parsed.isValid() ? parsed.number : undefined;
  } catch (error) {
    if (error instanceof ParseError) return undefined;
    throw error;
  }
}

/** Whether libphonenumber knows `code` as a region (what its isSupportedCountry checks). */
export function isPhoneRegion(code: string): code is PhoneRegion {
  return Object.hasOwn(phoneMetadata().countries, code);
}
