import type { App } from 'aws-cdk-lib';

/** The SMS providers carebridge sends through (shared/channels/sms/sms-sender-from-env.ts). */
export type SmsProvider = 'twilio' | 'eum';

/** Email: where mail is received and who replies are from. */
export interface EmailSettings {
  /**
   * Recipient domain of inbound mail (`support.example.com`): the SES domain identity and the
   * receipt rule are created for it. Without it, nothing receives mail.
   */
  readonly domain?: string;
  /**
   * From address of replies, a verified SES identity (`support@<domain>` when a domain is given).
   * Without one, email sending is not configured.
   */
  readonly supportAddress?: string;
  /** Display name of the From address. */
  readonly supportName?: string;
}

/** Twilio account settings, needed to send SMS through Twilio (replies, keyword answers). */
export interface TwilioSettings {
  /** `AC` + 32 lower-case hex digits. */
  readonly accountSid: string;
  /** Sender number (E.164 or short code); at least one of this and `messagingServiceSid`. */
  readonly fromNumber?: string;
  /** `MG` + 32 lower-case hex digits. */
  readonly messagingServiceSid?: string;
}

/** SMS: the provider replies go through, and how keywords are answered. */
export interface SmsSettings {
  readonly provider: SmsProvider;
  /** Twilio sending settings; with provider `twilio`, SMS can be sent only when they are given. */
  readonly twilio?: TwilioSettings;
  /**
   * End User Messaging origination identity (phone number, sender id or pool; id or ARN), required
   * with provider `eum`.
   */
  readonly eumOriginationIdentity?: string;
  /**
   * Whether carebridge itself confirms STOP / START and answers HELP, through the provider. Off by
   * default: Twilio (long codes) and End User Messaging (unless self-managed opt-outs are on) answer
   * the standard keywords themselves, and two answers would confuse the customer.
   */
  readonly keywordReplies: boolean;
  /** The answer to HELP when carebridge answers keywords (the handler has a default). */
  readonly helpText?: string;
}

/** The app's settings, read from CDK context (`-c stage=prod -c phoneRegion=DE` or cdk.json). */
export interface AppContext {
  /** Deployment stage; names the stack `carebridge-<stage>`. */
  readonly stage: string;
  /** Default phone region (two upper-case letters), when the deployment has one. */
  readonly phoneRegion?: string;
  readonly email: EmailSettings;
  readonly sms: SmsSettings;
  /** Seconds an agent's chat reply waits for an offline visitor before it goes by email (0-900). */
  readonly chatFallbackDelaySeconds?: number;
  /** Browser origins allowed to call the HTTP API (the website with the chat and the web form). */
  readonly allowedOrigins?: readonly string[];
  /** An email address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
}

/** Whether replies can go out by SMS with these settings (the provider's sender settings are given). */
export function smsSendingConfigured(sms: SmsSettings): boolean {
  return sms.provider === 'twilio' ? sms.twilio !== undefined : sms.eumOriginationIdentity !== undefined;
}

const STAGE_PATTERN = /^[a-z][a-z0-9-]{1,15}$/;
const PHONE_REGION_PATTERN = /^[A-Z]{2}$/;
const DOMAIN_PATTERN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL_PATTERN =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})$/;
// Printable characters without quotes, angle brackets or backslashes: it goes into a From header.
const DISPLAY_NAME_PATTERN = /^[^"<>\\\p{Cc}]{1,64}$/u;
// The same shapes the handlers accept at cold start (shared/channels/sms/twilio-config.ts).
const TWILIO_ACCOUNT_SID_PATTERN = /^AC[0-9a-f]{32}$/;
const TWILIO_SERVICE_SID_PATTERN = /^MG[0-9a-f]{32}$/;
const TWILIO_FROM_PATTERN = /^(?:\+[1-9]\d{6,14}|\d{3,8})$/;
const EUM_IDENTITY_PATTERN = /^[A-Za-z0-9+:/_.-]{1,256}$/;
const ORIGIN_PATTERN = /^(?:https:\/\/[a-z0-9.-]+|http:\/\/(?:localhost|127\.0\.0\.1))(?::\d{1,5})?$/;
/** SQS refuses a DelaySeconds above 15 minutes (shared/channels/chat/config.ts). */
const MAX_FALLBACK_DELAY_SECONDS = 900;
const SMS_BODY_MAX_CHARS = 1600;

/** Reads and validates the context once; throws naming the key and what it must look like. */
export function readAppContext(app: App): AppContext {
  // An empty value (`-c emailDomain=`) counts as absent, except for the stage, which names the stack.
  const read = (key: string): unknown => {
    const value: unknown = app.node.tryGetContext(key);
    return value === '' ? undefined : value;
  };
  const stage: unknown = app.node.tryGetContext('stage') ?? 'dev';
  if (typeof stage !== 'string' || !STAGE_PATTERN.test(stage)) {
    throw new Error(
      `context stage must be 2-16 characters of lower-case letters, digits and '-', starting with a letter (got ${JSON.stringify(stage)})`,
    );
  }
  const phoneRegion = optionalString(
    read,
    'phoneRegion',
    PHONE_REGION_PATTERN,
    'two upper-case letters, an ISO 3166 country code such as US',
  );
  const chatFallbackDelaySeconds = readDelay(read('chatFallbackDelaySeconds'));
  const allowedOrigins = readOrigins(read('allowedOrigins'));
  const alarmEmail = optionalString(
    read,
    'alarmEmail',
    EMAIL_PATTERN,
    'an email address with a lower-case domain',
  );
  return {
    stage,
    ...(phoneRegion ? { phoneRegion } : {}),
    email: readEmail(read),
    sms: readSms(read),
    ...(chatFallbackDelaySeconds === undefined ? {} : { chatFallbackDelaySeconds }),
    ...(allowedOrigins ? { allowedOrigins } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
  };
}

type ContextReader = (key: string) => unknown;

function readEmail(read: ContextReader): EmailSettings {
  const domain = optionalString(
    read,
    'emailDomain',
    DOMAIN_PATTERN,
    'a lower-case domain name such as support.example.com',
  );
  const supportAddress =
    optionalString(read, 'supportEmail', EMAIL_PATTERN, 'an email address with a lower-case domain') ??
    (domain ? `support@${domain}` : undefined);
  const supportName = optionalString(
    read,
    'supportEmailName',
    DISPLAY_NAME_PATTERN,
    'a display name of 1-64 characters without quotes, angle brackets or control characters',
  );
  if (supportName && !supportAddress) {
    throw new Error('context supportEmailName needs an address to name: set emailDomain or supportEmail');
  }
  return {
    ...(domain ? { domain } : {}),
    ...(supportAddress ? { supportAddress } : {}),
    ...(supportName ? { supportName } : {}),
  };
}

function readSms(read: ContextReader): SmsSettings {
  const explicitProvider = read('smsProvider');
  if (explicitProvider !== undefined && explicitProvider !== 'twilio' && explicitProvider !== 'eum') {
    throw new Error(`context smsProvider must be twilio or eum (got ${JSON.stringify(explicitProvider)})`);
  }
  const provider: SmsProvider = explicitProvider ?? 'twilio';
  const accountSid = optionalString(
    read,
    'twilioAccountSid',
    TWILIO_ACCOUNT_SID_PATTERN,
    "'AC' followed by 32 lower-case hex digits",
  );
  const fromNumber = optionalString(
    read,
    'twilioFromNumber',
    TWILIO_FROM_PATTERN,
    'an E.164 number such as +14155550100, or a short code',
  );
  const messagingServiceSid = optionalString(
    read,
    'twilioMessagingServiceSid',
    TWILIO_SERVICE_SID_PATTERN,
    "'MG' followed by 32 lower-case hex digits",
  );
  const eumOriginationIdentity = optionalString(
    read,
    'eumOriginationIdentity',
    EUM_IDENTITY_PATTERN,
    'an End User Messaging phone number, sender id or pool, by id or ARN',
  );
  const keywordReplies = read('smsKeywordReplies') ?? 'off';
  if (keywordReplies !== 'on' && keywordReplies !== 'off') {
    throw new Error(`context smsKeywordReplies must be on or off (got ${JSON.stringify(keywordReplies)})`);
  }
  const helpText = read('smsHelpText');
  if (
    helpText !== undefined &&
    (typeof helpText !== 'string' || helpText.trim().length > SMS_BODY_MAX_CHARS)
  ) {
    throw new Error(`context smsHelpText must be 1 to ${SMS_BODY_MAX_CHARS} characters`);
  }

  const twilioKeys = [accountSid, fromNumber, messagingServiceSid].some((value) => value !== undefined);
  if (provider === 'eum') {
    if (twilioKeys) {
      throw new Error(
        'context twilioAccountSid, twilioFromNumber and twilioMessagingServiceSid apply only with smsProvider=twilio',
      );
    }
    if (!eumOriginationIdentity) {
      throw new Error(
        'context smsProvider=eum needs eumOriginationIdentity (the phone number, sender id or pool replies are sent from)',
      );
    }
  } else {
    if (eumOriginationIdentity) {
      throw new Error(
        `context eumOriginationIdentity applies only with smsProvider=eum (the provider is ${explicitProvider === undefined ? 'twilio by default' : 'twilio'})`,
      );
    }
    if (explicitProvider === 'twilio' && !accountSid) {
      throw new Error(
        'context smsProvider=twilio needs twilioAccountSid, and twilioFromNumber or twilioMessagingServiceSid',
      );
    }
    if (twilioKeys && !accountSid) {
      throw new Error('context twilioFromNumber and twilioMessagingServiceSid need twilioAccountSid');
    }
    if (accountSid && !fromNumber && !messagingServiceSid) {
      throw new Error(
        'context twilioAccountSid needs twilioFromNumber or twilioMessagingServiceSid to send SMS from',
      );
    }
  }
  const settings: SmsSettings = {
    provider,
    ...(accountSid
      ? {
          twilio: {
            accountSid,
            ...(fromNumber ? { fromNumber } : {}),
            ...(messagingServiceSid ? { messagingServiceSid } : {}),
          },
        }
      : {}),
    ...(eumOriginationIdentity ? { eumOriginationIdentity } : {}),
    keywordReplies: keywordReplies === 'on',
    ...(helpText ? { helpText: helpText.trim() } : {}),
  };
  if (settings.keywordReplies && !smsSendingConfigured(settings)) {
    throw new Error(
      'context smsKeywordReplies=on answers keywords through Twilio: set twilioAccountSid and twilioFromNumber or twilioMessagingServiceSid',
    );
  }
  return settings;
}

function optionalString(
  read: ContextReader,
  key: string,
  pattern: RegExp,
  shape: string,
): string | undefined {
  const value = read(key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new Error(`context ${key} must be ${shape} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function readDelay(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (
    typeof seconds !== 'number' ||
    !Number.isInteger(seconds) ||
    seconds < 0 ||
    seconds > MAX_FALLBACK_DELAY_SECONDS
  ) {
    throw new Error(
      `context chatFallbackDelaySeconds must be a whole number of seconds from 0 to ${MAX_FALLBACK_DELAY_SECONDS}, the SQS delay limit (got ${JSON.stringify(value)})`,
    );
  }
  return seconds;
}

/** A list in cdk.json, or a comma-separated string on the command line (`-c allowedOrigins=https://a,https://b`). */
function readOrigins(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const origins = typeof value === 'string' ? value.split(',').map((origin) => origin.trim()) : value;
  if (
    !Array.isArray(origins) ||
    origins.length === 0 ||
    !origins.every((origin) => typeof origin === 'string' && ORIGIN_PATTERN.test(origin))
  ) {
    throw new Error(
      `context allowedOrigins must be a list of origins such as https://www.example.com (no path, no wildcard; http only for localhost) (got ${JSON.stringify(value)})`,
    );
  }
  return origins;
}
