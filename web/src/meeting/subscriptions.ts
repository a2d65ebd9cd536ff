// Tells the server how each remote video track is shown (`subscribe`, docs/protocol.md): the
// size in device pixels of the element showing it, or invisible when it is on another page,
// scrolled or clipped out of view, or the window is hidden. The server forwards the simulcast
// layer that fits, and nothing for invisible tracks.

import type { Subscription } from '../rtc/protocol';

/** At most about four messages a second. */
const minIntervalMs = 250;
/** Changes closer together than this are sent as one message. */
const coalesceMs = 40;

export class SubscriptionReporter {
  /** Remote video track id -> element showing it, or null when it is not shown. */
  private readonly shown = new Map<string, HTMLElement | null>();
  /** What the server was last told, per track id. */
  private readonly sent = new Map<string, Subscription>();
  private readonly inView = new WeakMap<Element, boolean>();
  private readonly observed = new Set<HTMLElement>();
  private readonly resize: ResizeObserver;
  private readonly intersect: IntersectionObserver;
  private timer = 0;
  private lastSent = -Infinity;
  private messages = 0;

  /** send returns false when the message could not be sent (it is retried later). */
  constructor(private readonly send: (tracks: Subscription[]) => boolean) {
    this.resize = new ResizeObserver(() => this.schedule());
    this.intersect = new IntersectionObserver((entries) => {
      for (const e of entries) this.inView.set(e.target, e.isIntersecting);
      this.schedule();
    });
    document.addEventListener('visibilitychange', this.schedule);
  }

  /** Declares every remote video track and the element showing it (null: not shown). */
  sync(shown: ReadonlyMap<string, HTMLElement | null>): void {
    let changed = false;
    for (const id of this.shown.keys()) {
      if (shown.has(id)) continue;
      this.shown.delete(id);
      this.sent.delete(id); // the track is gone; the server forgets it too
    }
    const elements = new Set<HTMLElement>();
    for (const [id, el] of shown) {
      if (this.shown.get(id) !== el || !this.shown.has(id)) changed = true;
      this.shown.set(id, el);
      if (el) elements.add(el);
    }
    for (const el of this.observed) {
      if (elements.has(el)) continue;
      this.resize.unobserve(el);
      this.intersect.unobserve(el);
      this.observed.delete(el);
    }
    for (const el of elements) {
      if (this.observed.has(el)) continue;
      this.resize.observe(el);
      this.intersect.observe(el);
      this.observed.add(el);
    }
    if (changed) this.schedule();
  }

  /** Forgets what was sent so that the full state goes out again (after a welcome). */
  resendAll(): void {
    this.sent.clear();
    this.schedule();
  }

  /** The state last sent to the server and the number of messages (diagnostics). */
  snapshot(): { messages: number; tracks: Subscription[] } {
    return { messages: this.messages, tracks: [...this.sent.values()] };
  }

  private readonly schedule = (): void => {
    if (this.timer) return;
    const wait = Math.max(coalesceMs, this.lastSent + minIntervalMs - performance.now());
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.flush();
    }, wait);
  };

  private measure(trackId: string, el: HTMLElement | null): Subscription {
    const hidden = { track_id: trackId, visible: false, width: 0, height: 0 };
    if (!el || !el.isConnected || document.visibilityState === 'hidden' || this.inView.get(el) === false) return hidden;
    const rect = el.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(rect.width * dpr);
    const height = Math.round(rect.height * dpr);
    if (width <= 0 || height <= 0) return hidden;
    return { track_id: trackId, visible: true, width, height };
  }

  private flush(): void {
    const changes: Subscription[] = [];
    for (const [id, el] of this.shown) {
      const now = this.measure(id, el);
      const before = this.sent.get(id);
      if (before && before.visible === now.visible && before.width === now.width && before.height === now.height) continue;
      changes.push(now);
    }
    if (changes.length === 0) return;
    this.lastSent = performance.now();
    if (!this.send(changes)) return; // not connected: resendAll() follows the next welcome
    this.messages++;
    for (const c of changes) this.sent.set(c.track_id, c);
  }

  close(): void {
    window.clearTimeout(this.timer);
    document.removeEventListener('visibilitychange', this.schedule);
    this.resize.disconnect();
    this.intersect.disconnect();
  }
}
