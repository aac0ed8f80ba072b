/**
 * Call history built from ordinary message history (API.md rule 8): every signaling
 * action is a custom message whose `payload.data` is the TSignaling JSON. Messages are
 * grouped by inviteID; the seed's hang-up invitations (end-of-call + duration) give the
 * length of the call they end.
 */
import type { HistoryRecord } from '../shared/schema.ts';
import { decodeCallEnd, decodeClassroom, decodeInvite, isBusy } from '../../protocol/call-data.ts';
import type { Message } from '../../protocol/im.ts';
import type { Invitation, SignalingPayload } from '../../protocol/signaling.ts';
import type { Ending } from './calls.ts';
import type { SessionChat } from './session.ts';

/** What history reads of a message (older servers' messages may lack fields; see parseSignal). */
type HistoryMessage = Pick<Message, 'ID' | 'from' | 'time'> & { payload?: { data?: string } };

/** One signaling action read from history: the invitation's fields, who did it and when. */
interface Signal extends Omit<SignalingPayload, 'businessID' | 'timeout'> {
  from: string;
  time: number;
  /** Sort key within one second (see `sequence`). */
  seq: number;
}

/**
 * Message time is whole seconds (API.md), so two calls in one second tie. Ringlet's
 * message IDs are the server's insertion order (an integer per stored message), which
 * orders them exactly; any other ID falls back to the order the messages were read in
 * (oldest first within a conversation). Without this key a tie kept the input order and
 * put a newer missed call below an older one.
 */
function sequence(msg: HistoryMessage, index: number): number {
  return /^\d{1,15}$/.test(msg.ID) ? Number(msg.ID) : index;
}

/** The TSignaling JSON of a message, or null for any other message. */
export function parseSignal(msg: HistoryMessage, index = 0): Signal | null {
  if (typeof msg.payload?.data !== 'string') return null;
  let o: unknown;
  try {
    o = JSON.parse(msg.payload.data);
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object') return null;
  const s = o as Record<string, unknown>;
  if (s.businessID !== 1 || typeof s.inviteID !== 'string' || typeof s.actionType !== 'number') return null;
  return {
    inviteID: s.inviteID,
    inviter: typeof s.inviter === 'string' ? s.inviter : msg.from,
    actionType: s.actionType as Signal['actionType'],
    inviteeList: Array.isArray(s.inviteeList) ? s.inviteeList.filter((x): x is string => typeof x === 'string') : [],
    data: typeof s.data === 'string' ? s.data : '',
    groupID: typeof s.groupID === 'string' ? s.groupID : '',
    from: msg.from,
    time: msg.time,
    seq: sequence(msg, index),
  };
}

/** Who joined a group call: its inviter, then each invitee who accepted, in order. */
function joinedOf(invite: Signal, signals: readonly Signal[]): string[] {
  const out = [invite.inviter];
  for (const s of signals) if (s.actionType === 3 && !out.includes(s.from)) out.push(s.from);
  return out.length > 1 ? out : [];
}

/** Turns signaling messages (any order, any conversations) into call records, newest first. */
export function buildHistory(messages: HistoryMessage[], me: string): HistoryRecord[] {
  return classify(messages, me).map((c) => c.record);
}

/** A record and whether the caller gave up on it (cancelled before anyone answered). */
interface Classified {
  record: HistoryRecord;
  gaveUp: boolean;
  key: [number, number];
}

function classify(messages: HistoryMessage[], me: string): Classified[] {
  const byInvite = new Map<string, Signal[]>();
  const durations = new Map<string, number>();
  for (const [i, m] of messages.entries()) {
    const s = parseSignal(m, i);
    if (!s) continue;
    const list = byInvite.get(s.inviteID) ?? [];
    list.push(s);
    byInvite.set(s.inviteID, list);
  }
  const records: Classified[] = [];
  for (const signals of byInvite.values()) {
    signals.sort((a, b) => a.time - b.time || a.seq - b.seq || a.actionType - b.actionType);
    const invite = signals.find((s) => s.actionType === 1);
    if (!invite) continue;
    const end = decodeCallEnd(invite.data);
    if (end) {
      // Both sides may hang up at once: the first end-of-call invitation is the one that counts.
      if (end.callInviteID && !durations.has(end.callInviteID)) durations.set(end.callInviteID, end.callEnd);
      continue;
    }
    if (decodeClassroom(invite.data)) continue; // a classroom prompt or hand is not a call
    const outgoing = invite.inviter === me;
    if (!outgoing && !invite.inviteeList.includes(me)) continue; // a group call that did not invite me
    const mine = (s: Signal) => outgoing || s.from === me || (s.inviteeList.length === 1 && s.inviteeList[0] === me);
    let outcome: HistoryRecord['outcome'] = 'pending';
    for (const s of signals) {
      if (s.actionType === 3 && mine(s)) outcome = 'answered';
      else if (s.actionType === 4 && mine(s) && outcome !== 'answered') outcome = isBusy(s.data) ? 'busy' : 'rejected';
      else if (s.actionType === 2 && outcome === 'pending') outcome = 'cancelled';
      else if (s.actionType === 5 && outcome === 'pending' && (outgoing || s.inviteeList.length === 0 || s.inviteeList.includes(me)))
        outcome = 'missed';
    }
    // A call the caller gave up on rang here unanswered: for me, the callee, it is missed.
    const gaveUp = outcome === 'cancelled';
    if (gaveUp && !outgoing) outcome = 'missed';
    records.push({
      record: {
        inviteID: invite.inviteID,
        direction: outgoing ? 'outgoing' : 'incoming',
        peer: invite.groupID || (outgoing ? (invite.inviteeList[0] ?? '') : invite.inviter),
        groupID: invite.groupID,
        callType: decodeInvite(invite.data).callType,
        outcome,
        time: invite.time * 1000,
        ...(invite.groupID ? { joined: joinedOf(invite, signals) } : {}),
      },
      gaveUp,
      key: [invite.time, invite.seq],
    });
  }
  for (const { record } of records) {
    const d = durations.get(record.inviteID);
    if (d !== undefined && record.outcome === 'answered') record.duration = d;
  }
  return records.sort((a, b) => b.key[0] - a.key[0] || b.key[1] - a.key[1]);
}

/**
 * Fetches the newest signaling messages of my most recent conversations. Bounded (20
 * conversations, 2 pages of 50) so the popup opens fast.
 */
export async function fetchHistory(chat: SessionChat, me: string): Promise<HistoryRecord[]> {
  const { data } = await chat.getConversationList();
  const conversations = [...data.conversationList]
    .sort((a, b) => (b.lastMessage?.time ?? 0) - (a.lastMessage?.time ?? 0))
    .slice(0, 20);
  const pages = await Promise.all(
    conversations.map(async (c) => {
      const first = await chat.getMessageList({ conversationID: c.conversationID, count: 50 });
      const out = [...first.data.messageList];
      if (!first.data.isCompleted && first.data.nextReqMessageID) {
        const second = await chat.getMessageList({
          conversationID: c.conversationID,
          nextReqMessageID: first.data.nextReqMessageID,
          count: 50,
        });
        out.unshift(...second.data.messageList);
      }
      return out;
    }),
  );
  return buildHistory(pages.flat(), me).slice(0, 100);
}

/** How an invitation that vanished from the pending list ended for me, per history. */
export async function endingsFromHistory(
  chat: SessionChat,
  me: string,
  gone: Array<Pick<Invitation, 'inviteID' | 'inviter' | 'groupID'>>,
): Promise<Record<string, Ending>> {
  const out: Record<string, Ending> = {};
  const byConversation = new Map<string, string[]>();
  for (const g of gone) {
    const id = g.groupID ? `GROUP${g.groupID}` : `C2C${g.inviter}`;
    byConversation.set(id, [...(byConversation.get(id) ?? []), g.inviteID]);
    out[g.inviteID] = 'unknown';
  }
  await Promise.all(
    [...byConversation].map(async ([conversationID, ids]) => {
      try {
        const { data } = await chat.getMessageList({ conversationID, count: 50 });
        for (const { record: r, gaveUp } of classify(data.messageList, me)) {
          if (!ids.includes(r.inviteID)) continue;
          out[r.inviteID] = gaveUp
            ? 'cancelled'
            : r.outcome === 'missed' ? 'timeout' : r.outcome === 'answered' ? 'accepted' : r.outcome === 'pending' ? 'unknown' : 'rejected';
        }
      } catch {
        /* history unavailable: the ending stays unknown, nothing is counted as missed */
      }
    }),
  );
  return out;
}
