/** A header as received: name in lower case, value unfolded but otherwise as sent. */
export interface MailHeader {
  readonly name: string;
  readonly value: string;
}

/** The first value of a header, by case-insensitive name. */
export function headerValue(headers: readonly MailHeader[], name: string): string | undefined {
  const wanted = name.toLowerCase();
  return headers.find((header) => header.name === wanted)?.value;
}

/** Every value of a header, in order. */
export function headerValues(headers: readonly MailHeader[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((header) => header.name === wanted).map((header) => header.value);
}
