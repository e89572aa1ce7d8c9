// The daemon's events (protocol/events.ts): the engine and the image store publish, each subscribed
// client stream receives. A subscriber that falls far behind is cut off with an error rather than queued
// for ever: it learns that it missed events and lists again.
import type { BerthEvent, EventType } from '../protocol';

export type EventListener = (event: BerthEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  publish(type: EventType, action: string, id: string, attributes: Record<string, string> = {}): BerthEvent {
    const event: BerthEvent = { type, action, id, attributes, time: new Date().toISOString() };
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // One subscriber's failure is its own.
      }
    }
    return event;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
