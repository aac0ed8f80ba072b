/**
 * Sockets that have not logged in yet, counted per remote address: past the cap an
 * upgrade is refused with HTTP 429 before any WebSocket state exists.
 */
export interface AdmissionTicket {
  /** The socket logged in or closed; idempotent. */
  release(): void;
}

export class Admission {
  readonly #perIP: number;
  readonly #pending = new Map<string, number>();

  constructor(perIP: number) {
    this.#perIP = perIP;
  }

  /** A ticket for one more unauthenticated socket from `ip`, or null at the cap. */
  admit(ip: string): AdmissionTicket | null {
    const n = this.#pending.get(ip) ?? 0;
    if (n >= this.#perIP) return null;
    this.#pending.set(ip, n + 1);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        const left = (this.#pending.get(ip) ?? 1) - 1;
        if (left <= 0) this.#pending.delete(ip);
        else this.#pending.set(ip, left);
      },
    };
  }
}
