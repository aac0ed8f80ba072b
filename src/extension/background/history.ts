/**
 * Call history built from ordinary message history (API.md rule 8): every signaling
 * action is a custom message whose `payload.data` is the TSignaling JSON. Messages are
 * grouped by inviteID; the seed's hang-up invitations (end-of-call + duration) give the
 * length of the call they end.
 */
import type { HistoryRecord } from '../shared/schema.ts';
import { decodeCallEnd, decodeInvite, isBusy } from '../shared/call-data.ts';
import type { ChatLike, SdkMessage } from './chat.ts';

interface Signal {
  inviteID: string;
  inviter: string;
  actionType: number;
  inviteeList: string[];
  data: string;
  groupID: string;
  from: string;
  time: number;
}

/** The TSignaling JSON of a message, or null for any other message. */
export function parseSignal(msg: SdkMessage): Signal | null {
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
    actionType: s.actionType,
    inviteeList: Array.isArray(s.inviteeList) ? s.inviteeList.filter((x): x is string => typeof x === 'string') : [],
    data: typeof s.data === 'string' ? s.data : '',
    groupID: typeof s.groupID === 'string' ? s.groupID : '',
    from: msg.from,
    time: msg.time,
  };
}

/** Turns signaling messages (any order, any conversations) into call records, newest first. */
export function buildHistory(messages: SdkMessage[], me: string): HistoryRecord[] {
  const byInvite = new Map<string, Signal[]>();
  const durations = new Map<string, number>();
  for (const m of messages) {
    const s = parseSignal(m);
    if (!s) continue;
    const list = byInvite.get(s.inviteID) ?? [];
    list.push(s);
    byInvite.set(s.inviteID, list);
  }
  const records: HistoryRecord[] = [];
  for (const signals of byInvite.values()) {
    signals.sort((a, b) => a.time - b.time || a.actionType - b.actionType);
    const invite = signals.find((s) => s.actionType === 1);
    if (!invite) continue;
    const end = decodeCallEnd(invite.data);
    if (end) {
      // Both sides may hang up at once: the first end-of-call invitation is the one that counts.
      if (end.callInviteID && !durations.has(end.callInviteID)) durations.set(end.callInviteID, end.callEnd);
      continue;
    }
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
    records.push({
      inviteID: invite.inviteID,
      direction: outgoing ? 'outgoing' : 'incoming',
      peer: invite.groupID || (outgoing ? (invite.inviteeList[0] ?? '') : invite.inviter),
      groupID: invite.groupID,
      callType: decodeInvite(invite.data).callType,
      outcome,
      time: invite.time * 1000,
    });
  }
  for (const r of records) {
    const d = durations.get(r.inviteID);
    if (d !== undefined && r.outcome === 'answered') r.duration = d;
  }
  return records.sort((a, b) => b.time - a.time);
}

/**
 * Fetches the newest signaling messages of my most recent conversations. Bounded (20
 * conversations, 2 pages of 50) so the popup opens fast.
 */
export async function fetchHistory(chat: ChatLike, me: string): Promise<HistoryRecord[]> {
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
  chat: ChatLike,
  me: string,
  gone: Array<{ inviteID: string; inviter: string; groupID: string }>,
): Promise<Record<string, 'timeout' | 'cancelled' | 'accepted' | 'rejected' | 'unknown'>> {
  const out: Record<string, 'timeout' | 'cancelled' | 'accepted' | 'rejected' | 'unknown'> = {};
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
        for (const r of buildHistory(data.messageList, me)) {
          if (!ids.includes(r.inviteID)) continue;
          out[r.inviteID] =
            r.outcome === 'missed' ? 'timeout' : r.outcome === 'cancelled' ? 'cancelled' : r.outcome === 'answered' ? 'accepted' : r.outcome === 'pending' ? 'unknown' : 'rejected';
        }
      } catch {
        /* history unavailable: the ending stays unknown, nothing is counted as missed */
      }
    }),
  );
  return out;
}
