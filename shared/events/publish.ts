import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, EVENT_SOURCE } from './conversation-events.js';

/** Puts domain events on the bus. */
export type EventPublisher = (events: readonly DomainEvent[]) => Promise<void>;

/** EventBridge takes at most ten entries per PutEvents. */
const PUT_EVENTS_BATCH = 10;

/**
 * Publishes to an EventBridge bus: source `carebridge.conversations`, detail-type the event's type,
 * detail the event itself. Throws when any entry was refused, so the caller retries the change that
 * produced them; entries that went through are then sent again, and consumers drop them by `eventId`.
 */
export function eventBridgePublisher(client: EventBridgeClient, busName: string): EventPublisher {
  return async (events) => {
    for (let start = 0; start < events.length; start += PUT_EVENTS_BATCH) {
      const chunk = events.slice(start, start + PUT_EVENTS_BATCH);
      const output = await client.send(
        new PutEventsCommand({
          Entries: chunk.map((event) => ({
            EventBusName: busName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify(event),
            Time: new Date(event.occurredAt),
          })),
        }),
      );
      if ((output.FailedEntryCount ?? 0) > 0) {
        const codes = (output.Entries ?? []).flatMap((entry) => (entry.ErrorCode ? [entry.ErrorCode] : []));
        throw new Error(
          `EventBridge refused ${output.FailedEntryCount} event(s): ${[...new Set(codes)].join(', ')}`,
        );
      }
    }
  };
}
