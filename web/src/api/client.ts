// Thin fetch wrapper: every failure becomes an ApiError carrying a sentence a person can read.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** The whole error body, for fields beyond `detail` (e.g. `owner` on 409/423). */
  readonly body: Record<string, unknown>;

  constructor(status: number, code: string, detail: string, body: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

/** True when the request never reached a vpt server (network down, server stopped). */
export function isNetworkError(err: unknown): boolean {
  return err instanceof ApiError && err.status === 0;
}

/** A server detail ("wrong user name or password") as a sentence: capital first, full stop last. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return trimmed;
  const first = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}

const STATUS_SENTENCES: Record<number, string> = {
  400: 'The request was not accepted.',
  401: 'Sign in to continue.',
  403: 'Your role does not allow this.',
  404: 'Not found.',
  409: 'That is not possible right now.',
  413: 'The request is too large.',
  423: 'The device is controlled by someone else.',
  502: 'The host did not answer.',
  503: 'The host is offline.',
};

/** Builds an ApiError from a non-2xx response, reading the `{error, detail}` body when present. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const text = await res.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // Not JSON (e.g. a proxy's HTML error page): fall back to a sentence per status.
  }
  const code = typeof body.error === 'string' ? body.error : `http_${res.status}`;
  const detail =
    typeof body.detail === 'string' && body.detail.trim() !== ''
      ? body.detail
      : (STATUS_SENTENCES[res.status] ?? `The server answered with status ${res.status}.`);
  return new ApiError(res.status, code, detail, body);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (e.g. a PNG file), with its own Content-Type. */
  rawBody?: { data: Blob; contentType: string };
  headers?: Record<string, string>;
  signal?: AbortSignal;
  keepalive?: boolean;
  /**
   * Whether a `401 unauthenticated` answer means the session ended (the default). Sign-in calls
   * turn this off: a 401 is part of their answer.
   */
  sessionCheck?: boolean;
}

/**
 * Sent with every request. The server refuses changes made with the session cookie unless they
 * carry it (or a same-origin `Origin`): another site's page cannot add it to a request.
 */
export const CSRF_HEADERS: Readonly<Record<string, string>> = { 'X-Vpt-Csrf': '1' };

interface AuthListeners {
  /** A request answered `401 unauthenticated`: the session ended or was never there. */
  onSessionEnded: () => void;
  /** A request answered `403 forbidden`: the caller's role may have changed meanwhile. */
  onForbidden: () => void;
}

let authListeners: AuthListeners | null = null;

/** Lets the sign-in state hear what API answers say about the session. */
export function setAuthListeners(listeners: AuthListeners | null): void {
  authListeners = listeners;
}

/** Tells the sign-in state about a refused request made outside `request()` (e.g. a stream). */
export function noteAuthStatus(status: number, code?: string): void {
  if (status === 401 && (code === undefined || code === 'unauthenticated')) authListeners?.onSessionEnded();
  else if (status === 403 && code === 'forbidden') authListeners?.onForbidden();
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...CSRF_HEADERS, ...options.headers };
  let body: string | Blob | undefined;
  if (options.rawBody) {
    headers['Content-Type'] = options.rawBody.contentType;
    body = options.rawBody.data;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body,
      signal: options.signal,
      keepalive: options.keepalive,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Cannot reach the vpt server.');
  }
  if (!res.ok) {
    const err = await errorFromResponse(res);
    if (options.sessionCheck !== false) noteAuthStatus(err.status, err.code);
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
