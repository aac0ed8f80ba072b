/**
 * The worker's SDK session: one `Chat` of the real SDK (typed on it; the type import loads
 * nothing, so tests may hand in any object of the same shape) for the signed-in account.
 * It turns what the SDK says into typed `SessionEvent`s and drops whatever a replaced or
 * stopped session still says. Reconnecting is the SDK's own job (its one loop, with
 * backoff and resume); this module adds none.
 */
import type { Chat } from '../../sdk/chat.ts';
import { EVENT, type KickedOutType, type NetState } from '../../sdk/events.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { UserStatus } from '../../protocol/presence.ts';
import { TSignaling, type SignalingEvent } from '../../protocol/signaling.ts';
import { errorCode } from './errors.ts';
import { logError } from './log.ts';

/** The part of the SDK's `Chat` the worker uses. */
export type SessionChat = Pick<
  Chat,
  | 'login' | 'logout' | 'destroy' | 'on' | 'addSignalingListener'
  | 'invite' | 'inviteInGroup' | 'cancel' | 'accept' | 'reject' | 'modifyInvitation' | 'getInvitation' | 'getPendingInvitations' | 'transferCall' | 'addToCall'
  | 'getGroupList' | 'getGroupProfile' | 'getGroupMemberList' | 'getCapabilities'
  | 'createGroup' | 'joinGroup' | 'addGroupMember' | 'deleteGroupMember' | 'quitGroup' | 'dismissGroup'
  | 'getConversationList' | 'getMessageList'
  | 'getContactList' | 'addContact' | 'removeContact' | 'getBlacklist' | 'addToBlacklist' | 'removeFromBlacklist'
  | 'getGroupInvitationList' | 'acceptGroupInvitation' | 'declineGroupInvitation'
  | 'getUserStatus' | 'subscribeUserStatus' | 'unsubscribeUserStatus' | 'setSelfStatus'
>;
export type CreateChat = (o: { server: string }) => SessionChat;

export type SessionEvent =
  /** NET_STATE_CHANGE: the SDK's connection (each attempt says `connecting`, each loss `disconnected`). */
  | { type: 'net'; state: NetState }
  | { type: 'loggedIn' }
  /** The first login failed for good: the userSig was refused (`expired`), or the SDK gave up. */
  | { type: 'loginFailed'; expired: boolean; error: unknown }
  /** KICKED_OUT: the SDK has stopped this session and will not reconnect it. */
  | { type: 'kicked'; kind: KickedOutType }
  | { type: 'signal'; signal: SignalingEvent }
  /** USER_STATUS_UPDATED: people I follow (or I myself) changed status. */
  | { type: 'status'; list: UserStatus[] };

type Listener = (event: SessionEvent) => void | Promise<void>;

export class Session {
  readonly #create: CreateChat;
  readonly #listener: Listener;
  #chat: SessionChat | null = null;
  #generation = 0;

  constructor(create: CreateChat, listener: Listener) {
    this.#create = create;
    this.#listener = listener;
  }

  /** The live SDK session, if any (one that is reconnecting by itself counts). */
  get chat(): SessionChat | null {
    return this.#chat;
  }

  /**
   * Replaces any session with a new one and logs in. Resolves once the login outcome
   * (`loggedIn` or `loginFailed`) has been handled by the listener.
   */
  async start(server: string, credentials: { userID: string; userSig: string }): Promise<void> {
    await this.stop(false);
    const generation = ++this.#generation;
    const chat = this.#create({ server });
    this.#chat = chat;
    const emit = async (event: SessionEvent): Promise<void> => {
      if (generation === this.#generation) await this.#listener(event);
    };
    /** SDK events: the SDK does not wait for the listener, and a failure is logged here. */
    const fire = (event: SessionEvent) => void emit(event).catch((e) => logError(`session ${event.type}`, e));
    for (const name of Object.values(TSignaling)) {
      chat.addSignalingListener(name, (ev: { data: unknown }) => fire({ type: 'signal', signal: { name, data: ev.data } as SignalingEvent }));
    }
    chat.on(EVENT.NET_STATE_CHANGE, ({ data }) => fire({ type: 'net', state: data.state }));
    chat.on(EVENT.KICKED_OUT, ({ data }) => fire({ type: 'kicked', kind: data.type }));
    chat.on(EVENT.USER_STATUS_UPDATED, ({ data }) => fire({ type: 'status', list: data }));
    try {
      await chat.login(credentials);
    } catch (error) {
      await emit({ type: 'loginFailed', expired: errorCode(error) === ErrorCode.BAD_USER_SIG, error });
      return;
    }
    await emit({ type: 'loggedIn' });
  }

  /** Ends the session (logging out first if asked); nothing it says afterwards is heard. */
  async stop(logout: boolean): Promise<void> {
    const chat = this.#chat;
    this.#chat = null;
    if (!chat) return;
    this.#generation++;
    if (logout) await chat.logout().catch(() => undefined);
    await chat.destroy().catch(() => undefined);
  }
}
