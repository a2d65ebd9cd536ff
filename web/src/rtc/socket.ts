// One signalling WebSocket: JSON framing and application keep-alive.

import { subprotocol, type ClientMessage, type ServerMessage } from './protocol';

const pingEveryMs = 10_000;

export interface SocketHandlers {
  open(): void;
  message(msg: ServerMessage): void;
  /** The socket is gone (closed by either side, or silent for too long). Called once. */
  closed(code: number, reason: string): void;
}

/** A WebSocket speaking visio.v1. */
export class SignalSocket {
  private readonly ws: WebSocket;
  private pingTimer = 0;
  private pingSeq = 0;
  private lastPong = Date.now();
  private done = false;

  constructor(url: string, private readonly handlers: SocketHandlers) {
    this.ws = new WebSocket(url, subprotocol);
    this.ws.onopen = () => {
      this.lastPong = Date.now();
      this.pingTimer = window.setInterval(() => this.ping(), pingEveryMs);
      handlers.open();
    };
    this.ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: ServerMessage;
      try {
        msg = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
      if (msg.type === 'pong') this.lastPong = Date.now();
      handlers.message(msg);
    };
    this.ws.onclose = (ev) => this.finish(ev.code, ev.reason);
    this.ws.onerror = () => {
      // onclose follows.
    };
  }

  /** True once open and until closed. */
  get open(): boolean {
    return !this.done && this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: ClientMessage): void {
    if (this.open) this.ws.send(JSON.stringify(msg));
  }

  /** Closes without calling the closed handler. */
  close(): void {
    this.done = true;
    window.clearInterval(this.pingTimer);
    try {
      this.ws.close(1000);
    } catch {
      // already closed
    }
  }

  /** Drops the connection as lost (the closed handler runs): the network changed under it. */
  drop(): void {
    try {
      this.ws.close(4001, 'network changed');
    } catch {
      // already closed
    }
    this.finish(4001, 'network changed');
  }

  private ping(): void {
    // Two missed pings: treat the socket as lost even if TCP has not noticed.
    if (Date.now() - this.lastPong > 2 * pingEveryMs + 2_000) {
      try {
        this.ws.close(4000, 'ping timeout');
      } catch {
        // ignore
      }
      this.finish(4000, 'ping timeout');
      return;
    }
    this.send({ type: 'ping', id: String(++this.pingSeq) });
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    window.clearInterval(this.pingTimer);
    this.handlers.closed(code, reason);
  }
}
