import { isPhoneRegion, type PhoneRegion } from '../phone/phone-number.js';
import { optionalEnv } from './env.js';

/**
 * The deployment's default phone region (DEFAULT_PHONE_REGION, e.g. `US`), used to read numbers
 * written without a country prefix. Throws at cold start for a code libphonenumber does not know.
 */
export function readPhoneRegion(): PhoneRegion | undefined {
  const region = optionalEnv('DEFAULT_PHONE_REGION');
  if (region === undefined) return undefined;
  if (!isPhoneRegion(region)) throw new Error(`DEFAULT_PHONE_REGION ${region} is not a supported country`);
  return region;
}
