// Incremental parser for a `multipart/x-mixed-replace` MJPEG body, fed chunk by chunk from fetch().

export interface MjpegFrame {
  jpeg: Uint8Array<ArrayBuffer>;
  /** `X-Frame-Seq`, or null if the part did not carry it. */
  seq: number | null;
  /** `X-Captured-At-Ms`: unix epoch ms when the device frame was captured. */
  capturedAtMs: number | null;
}

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);
const decoder = new TextDecoder('latin1');

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = from; i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** Reads the boundary from a Content-Type like `multipart/x-mixed-replace; boundary=vptframe`. */
export function boundaryFromContentType(contentType: string | null, fallback = 'vptframe'): string {
  const match = contentType?.match(/boundary="?([^";]+)"?/i);
  return match?.[1]?.trim() ?? fallback;
}

type Phase = 'boundary' | 'headers' | 'body';

export class MjpegParser {
  private buffer = new Uint8Array(0);
  private offset = 0;
  private phase: Phase = 'boundary';
  private partHeaders = new Map<string, string>();
  private readonly boundary: Uint8Array;
  private readonly delimiter: Uint8Array;
  private readonly maxBuffered: number;

  constructor(boundary = 'vptframe', maxBuffered = 32 * 1024 * 1024) {
    const clean = boundary.replace(/^--/, '');
    this.boundary = new TextEncoder().encode(`--${clean}`);
    this.delimiter = new TextEncoder().encode(`\r\n--${clean}`);
    this.maxBuffered = maxBuffered;
  }

  /** Feeds one chunk and returns every frame it completed, oldest first. */
  push(chunk: Uint8Array): MjpegFrame[] {
    this.append(chunk);
    const frames: MjpegFrame[] = [];
    for (;;) {
      const frame = this.step();
      if (frame === 'more') break;
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private append(chunk: Uint8Array): void {
    const remaining = this.buffer.length - this.offset;
    if (remaining + chunk.length > this.maxBuffered) {
      // A part that never ends (corrupt stream): start over at the next boundary.
      this.buffer = new Uint8Array(0);
      this.offset = 0;
      this.phase = 'boundary';
      return;
    }
    const next = new Uint8Array(remaining + chunk.length);
    next.set(this.buffer.subarray(this.offset), 0);
    next.set(chunk, remaining);
    this.buffer = next;
    this.offset = 0;
  }

  /** Advances one phase: a frame, null (progress without a frame), or 'more' (need bytes). */
  private step(): MjpegFrame | null | 'more' {
    if (this.phase === 'boundary') {
      const at = indexOf(this.buffer, this.boundary, this.offset);
      if (at < 0) {
        // Keep a tail in case the boundary straddles two chunks.
        this.offset = Math.max(this.offset, this.buffer.length - this.boundary.length);
        return 'more';
      }
      this.offset = at + this.boundary.length;
      this.phase = 'headers';
      this.partHeaders = new Map();
      return null;
    }
    if (this.phase === 'headers') {
      const end = indexOf(this.buffer, CRLF_CRLF, this.offset);
      if (end < 0) return 'more';
      const block = decoder.decode(this.buffer.subarray(this.offset, end));
      for (const line of block.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) {
          this.partHeaders.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
        }
      }
      this.offset = end + CRLF_CRLF.length;
      this.phase = 'body';
      return null;
    }
    const lengthHeader = this.partHeaders.get('content-length');
    const length = lengthHeader === undefined ? NaN : Number.parseInt(lengthHeader, 10);
    let bodyEnd: number;
    if (Number.isFinite(length) && length >= 0) {
      if (this.buffer.length - this.offset < length) return 'more';
      bodyEnd = this.offset + length;
    } else {
      const next = indexOf(this.buffer, this.delimiter, this.offset);
      if (next < 0) return 'more';
      bodyEnd = next;
    }
    const jpeg = this.buffer.slice(this.offset, bodyEnd);
    this.offset = bodyEnd;
    this.phase = 'boundary';
    return {
      jpeg,
      seq: numberHeader(this.partHeaders.get('x-frame-seq')),
      capturedAtMs: numberHeader(this.partHeaders.get('x-captured-at-ms')),
    };
  }
}

function numberHeader(value: string | undefined): number | null {
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
