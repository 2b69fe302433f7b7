import * as z from 'zod/mini';
import { ContactLedgerSchema } from '../campaigns/ledger-store.js';
import { RecipientSchema } from '../campaigns/store.js';
import type { Clock } from '../clock.js';
import {
  ChatConnectionSchema,
  ConsentMapSchema,
  ConsentRecordSchema,
  ConversationSchema,
  CustomerSchema,
  EmailThreadRefSchema,
  IdentitySchema,
  IdSchema,
  InteractionSchema,
  IsoTimestampSchema,
  NoteSchema,
  QuarantinedMessageSchema,
} from '../schemas/index.js';
import { MergeRecordSchema } from '../schemas/merge-record.js';
import { AuditRecordSchema, putAuditRecord } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { type Item, STORAGE_ATTRIBUTES } from '../store/items.js';
import { verificationMailKey } from '../store/keys.js';
import { TABLE_KEYS } from '../store/table-definition.js';
import { type CustomerHoldings, findHoldings, holdingCounts, kindOf } from './holdings.js';

/** A stored item of a kind the export has no schema for (a later feature's), with its attributes. */
const OtherItemSchema = z.strictObject({
  entity: z.string().check(z.maxLength(60)),
  attributes: z.record(z.string(), z.unknown()),
});

/** A conversation of the customer with its internal notes. */
const ExportedConversationSchema = z.extend(ConversationSchema, { notes: z.array(NoteSchema) });

/**
 * `GET /v1/customers/{id}/export`: everything held about a customer (docs/data-rights.md). `counts` says
 * how many items of each kind the store held; every item is in one of the lists.
 */
export const CustomerExportSchema = z.strictObject({
  /** The customer as it stands (the survivor of its merges). */
  customerId: IdSchema,
  /** It and every customer merged into it: the export covers both sides of each merge. */
  customerIds: z.array(IdSchema),
  exportedAt: IsoTimestampSchema,
  /** The profiles: the customer's, and those of the customers merged into it as they were merged. */
  profiles: z.array(CustomerSchema),
  /** The identities the customer holds, with their trust and deliverability. */
  identities: z.array(IdentitySchema),
  consent: z.strictObject({
    /** The latest decision per channel (the profile's). */
    latest: ConsentMapSchema,
    /** Every decision that became a channel's latest, oldest first. */
    history: z.array(ConsentRecordSchema),
  }),
  /** Marketing messages of the last seven days per channel (caps). */
  contactLedgers: z.array(ContactLedgerSchema),
  conversations: z.array(ExportedConversationSchema),
  /** Every message in and out, oldest first. */
  interactions: z.array(InteractionSchema),
  campaignEnrolments: z.array(RecipientSchema),
  /** The raw emails kept in object storage and the interactions (or quarantined mail) they belong to. */
  rawEmails: z.array(
    z.strictObject({
      location: z.string().check(z.maxLength(2048)),
      interactionIds: z.array(IdSchema),
    }),
  ),
  /** Mail from their addresses held back by the spam, virus or DMARC checks (never on a timeline). */
  quarantinedEmails: z.array(QuarantinedMessageSchema),
  /** Message-IDs of email sent to them, kept to thread their replies. */
  emailThreadRefs: z.array(EmailThreadRefSchema),
  chatConnections: z.array(ChatConnectionSchema),
  /** Addresses a verification link was mailed to within the last hour (rate limiting). */
  verificationMails: z.array(z.strictObject({ email: z.string(), expiresAt: z.number() })),
  /** Web-form submissions without a `submissionId` within the last ten minutes (repeat detection). */
  submissionMarkers: z.array(z.strictObject({ providerMessageId: z.string(), expiresAt: z.number() })),
  /** How the customer was made of others: which identities, why, when, by which rule or whom. */
  merges: z.array(MergeRecordSchema),
  /** Staff actions on the customer (ids and counts only). */
  audit: z.array(AuditRecordSchema),
  other: z.array(OtherItemSchema),
  /** Items held, by kind (`raw-email`: objects in the mail bucket). */
  counts: z.record(z.string(), z.number()),
});
export type CustomerExport = z.infer<typeof CustomerExportSchema>;

/**
 * Exports a customer (a merged-away id gives the survivor; both sides are covered) and files an audit
 * record of who exported whom, when, and how many items of each kind (no personal data).
 * NotFoundError (404) for an unknown id.
 */
export async function exportCustomer(
  db: Db,
  customerId: string,
  actor: string,
  clock: Clock,
): Promise<CustomerExport> {
  const holdings = await findHoldings(db, customerId, clock);
  const exported = exportDocument(holdings, clock.now());
  await putAuditRecord(db, {
    auditId: clock.newId(),
    action: 'export',
    actor,
    at: exported.exportedAt,
    customerId: holdings.customerId,
    customerIds: [...holdings.customerIds],
    counts: exported.counts,
  });
  return exported;
}

/** The export document of some holdings. */
export function exportDocument(holdings: CustomerHoldings, exportedAt: string): CustomerExport {
  const other: z.infer<typeof OtherItemSchema>[] = [];
  const parse = <S extends z.ZodMiniType>(schema: S, items: readonly Item[], ttlIsField = false) =>
    items.flatMap((item): z.infer<S>[] => {
      const attributes = attributesOf(item, ttlIsField);
      const parsed = schema.safeParse(attributes);
      if (parsed.success) return [parsed.data];
      other.push({ entity: kindOf(item), attributes });
      return [];
    });
  const byKind = (kind: string) => holdings.partitionItems.filter((item) => kindOf(item) === kind);
  const known = new Set(['customer', 'contact-ledger', 'consent-record', 'merge-record']);

  const profiles = parse(CustomerSchema, byKind('customer'));
  const root = profiles.find((profile) => profile.customerId === holdings.customerId);
  const notesOf = (conversationId: string) =>
    parse(
      NoteSchema,
      holdings.notes.filter((note) => note.conversationId === conversationId),
    ).sort((a, b) => a.at.localeCompare(b.at));
  const interactions = parse(InteractionSchema, holdings.interactions).sort((a, b) =>
    a.occurredAt.localeCompare(b.occurredAt),
  );
  const quarantinedEmails = parse(QuarantinedMessageSchema, holdings.quarantined);
  const emails = new Map(
    holdings.heldIdentities
      .filter((identity) => identity.kind === 'email')
      .map((identity) => [verificationMailKey(identity.value).pk, identity.value]),
  );
  for (const item of holdings.partitionItems.filter((candidate) => !known.has(kindOf(candidate)))) {
    other.push({ entity: kindOf(item), attributes: attributesOf(item, false) });
  }

  return {
    customerId: holdings.customerId,
    customerIds: [...holdings.customerIds],
    exportedAt,
    profiles,
    identities: parse(IdentitySchema, holdings.identities),
    consent: {
      latest: root?.consent ?? {},
      history: parse(ConsentRecordSchema, byKind('consent-record')).sort((a, b) => a.at.localeCompare(b.at)),
    },
    contactLedgers: parse(ContactLedgerSchema, byKind('contact-ledger')),
    conversations: parse(ConversationSchema, holdings.conversations)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt))
      .map((conversation) => ({ ...conversation, notes: notesOf(conversation.conversationId) })),
    interactions,
    campaignEnrolments: parse(RecipientSchema, holdings.recipients),
    rawEmails: holdings.rawEmails.map((location) => ({
      location,
      interactionIds: interactions
        .filter((interaction) =>
          [interaction.providerRefs.rawLocation, ...interaction.attachments.map((a) => a.location)].some(
            (uri) => uri !== undefined && (uri === location || uri.startsWith(`${location}#`)),
          ),
        )
        .map((interaction) => interaction.interactionId),
    })),
    quarantinedEmails,
    emailThreadRefs: parse(EmailThreadRefSchema, holdings.emailThreadRefs),
    chatConnections: parse(ChatConnectionSchema, holdings.chatConnections, true),
    verificationMails: holdings.verificationMails.map((item) => ({
      email: emails.get(String(item.pk)) ?? '',
      expiresAt: Number(item[TABLE_KEYS.ttlAttribute]),
    })),
    submissionMarkers: holdings.submissionMarkers.map((item) => ({
      providerMessageId: String(item.providerMessageId),
      expiresAt: Number(item[TABLE_KEYS.ttlAttribute]),
    })),
    merges: parse(MergeRecordSchema, byKind('merge-record')).sort((a, b) => a.at.localeCompare(b.at)),
    audit: parse(AuditRecordSchema, holdings.auditRecords).sort((a, b) => a.at.localeCompare(b.at)),
    other,
    counts: holdingCounts(holdings, { withAudit: true }),
  };
}

/** An item's own attributes: without keys and bookkeeping, and without its TTL unless that is a field. */
function attributesOf(item: Item, ttlIsField: boolean): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(item).filter(
      ([name]) => !STORAGE_ATTRIBUTES.has(name) || (ttlIsField && name === TABLE_KEYS.ttlAttribute),
    ),
  );
}
