import { CSRF_HEADERS } from './client';
import type { ServerEvent } from './types';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export interface ConnectionStatus {
  state: ConnectionState;
  /** When the next reconnection attempt happens (epoch ms), while not connected. */
  retryAt: number | null;
}

interface EventSocketHandlers {
  onEvent: (event: ServerEvent) => void;
  onOpen: () => void;
  onStatus: (status: ConnectionStatus) => void;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;

export function eventsUrl(loc: Location = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}/api/events`;
}

/**
 * One WebSocket to `/api/events` that reconnects with capped exponential backoff for as long as
 * it is started. Tells "reconnecting" (server reachable, socket dropped) from "offline" (the
 * server does not answer HTTP either) so the UI can say which.
 */
export class EventSocket {
  private socket: WebSocket | null = null;
  private retryTimer: number | null = null;
  private failures = 0;
  private stopped = true;
  private readonly handlers: EventSocketHandlers;

  constructor(handlers: EventSocketHandlers) {
    this.handlers = handlers;
  }

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.reconnectNow);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.reconnectNow);
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onclose = socket.onerror = socket.onmessage = null;
      socket.close();
    }
  }

  private readonly reconnectNow = (): void => {
    if (this.stopped || this.socket) return;
    if (this.retryTimer !== null) window.clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  };

  private connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(eventsUrl());
    } catch {
      void this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.handlers.onStatus({ state: 'connected', retryAt: null });
      this.handlers.onOpen();
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (parsed && typeof parsed === 'object' && 'type' in parsed) {
        this.handlers.onEvent(parsed as ServerEvent);
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      void this.scheduleRetry();
    };
  }

  private async scheduleRetry(): Promise<void> {
    if (this.stopped) return;
    this.failures += 1;
    const exp = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.failures - 1));
    const delay = Math.round(exp * (0.75 + Math.random() * 0.5));
    const retryAt = Date.now() + delay;
    this.handlers.onStatus({ state: 'reconnecting', retryAt });
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
    const reachable = await serverAnswers();
    if (!this.stopped && this.socket === null && this.retryTimer !== null) {
      this.handlers.onStatus({ state: reachable ? 'reconnecting' : 'offline', retryAt });
    }
  }
}

async function serverAnswers(): Promise<boolean> {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), 3000);
  try {
    const res = await fetch('/api/health', { signal: controller.signal, cache: 'no-store', headers: CSRF_HEADERS });
    return res.ok;
  } catch {
    return false;
  } finally {
    window.clearTimeout(timer);
  }
}
