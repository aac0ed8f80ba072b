/**
 * The part of the WebSocket interface Ringlet's clients use (the SDK's connection, the
 * Janus client): a browser's or worker's own WebSocket fits, and so does the `ws` package.
 */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}
