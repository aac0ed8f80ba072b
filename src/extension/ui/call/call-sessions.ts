/**
 * The media sessions of the calls in progress in this window: the current call and those
 * held in the background (docs/CALLS.md "Hold"). A held call keeps its session and peer
 * connections, sending and playing nothing, so resuming it needs no new offer; a session
 * ends only when its call is no longer in progress (or the window goes away).
 */
import type { ActiveCall } from '../../shared/schema.ts';
import { isOnHold, participantsOf } from '../../background/calls.ts';
import { CallSession, type RtcChat } from '../../call/session.ts';

export interface SessionAccount {
  server: string;
  userSig: string;
}

export class CallSessions {
  readonly #sessions = new Map<string, CallSession>();
  readonly #createChat: (o: { server: string }) => RtcChat;
  onChange: (() => void) | null = null;

  constructor(createChat: (o: { server: string }) => RtcChat) {
    this.#createChat = createChat;
  }

  get(inviteID: string): CallSession | null {
    return this.#sessions.get(inviteID) ?? null;
  }

  /** Every session by its call's inviteID (the end-to-end tests read their stats). */
  get all(): ReadonlyMap<string, CallSession> {
    return this.#sessions;
  }

  /**
   * Follows the worker's calls in progress: a session for each new one, the room admits
   * newly accepted participants, each is held unless it is the current call and nobody
   * holds it, and the sessions of calls that ended leave.
   */
  sync(calls: readonly ActiveCall[], current: string | null, me: string, account: SessionAccount): void {
    const live = new Set(calls.map((c) => c.inviteID));
    for (const [id, s] of this.#sessions) {
      if (live.has(id)) continue;
      this.#sessions.delete(id);
      void s.leave();
    }
    let added = false;
    for (const call of calls) {
      let s = this.#sessions.get(call.inviteID);
      if (!s) {
        s = new CallSession({
          chat: this.#createChat({ server: account.server }),
          inviteID: call.inviteID,
          userID: me,
          userSig: account.userSig,
          roomID: call.roomID,
          participants: participantsOf(call),
          conversation: call.groupID ? { type: 'GROUP', to: call.groupID } : { type: 'C2C', to: call.peer },
          callType: call.callType,
          log: (what, e) => console.warn(`[ringlet call] ${what}:`, e),
        });
        this.#sessions.set(call.inviteID, s);
        added = true;
        void s.start();
      } else s.admit(participantsOf(call));
      void s.setHold(call.inviteID !== current || isOnHold(call));
    }
    if (added) this.onChange?.();
  }

  leaveAll(): void {
    for (const s of this.#sessions.values()) void s.leave();
    this.#sessions.clear();
  }
}
