/** Conversation keys in the store and the per-viewer message shape of API.md. */
import { ConversationID, type Message } from '../../protocol/im.ts';
import { c2cKey, groupKey } from '../model/conversation-keys.ts';
import type { StoredMessage } from '../store/types.ts';

/** The store key of `conversationID` as seen by `viewer`. */
export function keyOf(viewer: string, conversationID: string): { key: string; type: 'C2C'; peer: string } | { key: string; type: 'GROUP'; groupID: string } | null {
  const parsed = ConversationID.parse(conversationID);
  if (!parsed) return null;
  return parsed.type === 'C2C'
    ? { key: c2cKey(viewer, parsed.userID), type: 'C2C', peer: parsed.userID }
    : { key: groupKey(parsed.groupID), type: 'GROUP', groupID: parsed.groupID };
}

/** The conversation ID of a stored message as `viewer` sees it. */
export function conversationIDFor(viewer: string, m: Pick<StoredMessage, 'convKey' | 'from' | 'to'>): string {
  if (m.convKey.startsWith('group:')) return ConversationID.group(m.to);
  return ConversationID.c2c(m.from === viewer ? m.to : m.from);
}

/** A stored message as API.md shapes it for `viewer`. */
export function messageView(viewer: string, m: StoredMessage): Message {
  return {
    ID: String(m.id),
    conversationID: conversationIDFor(viewer, m),
    from: m.from,
    to: m.to,
    time: Math.floor(m.time / 1000),
    type: 'TIMCustomElem',
    payload: m.payload,
  };
}
