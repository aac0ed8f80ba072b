/** IM shapes that travel with signaling: messages, conversations, groups. */
import type { CustomPayload } from './fields.ts';

export type { CustomPayload };

/** Every stored message is a custom message; signaling ones carry TSignaling JSON. */
export interface Message {
  ID: string;
  /** From the receiving user's point of view: 'C2C' + peer, or 'GROUP' + groupID. */
  conversationID: string;
  from: string;
  /** The peer user (C2C) or the groupID (group). */
  to: string;
  /** Seconds, server clock. */
  time: number;
  type: 'TIMCustomElem';
  payload: CustomPayload;
  /** True when the message was sent online-only (never stored). */
  onlineUserOnly?: boolean;
}

/** The two kinds of conversation, as conversation IDs begin. */
export type ConversationType = 'C2C' | 'GROUP';

export interface Conversation {
  conversationID: string;
  type: ConversationType;
  unreadCount: number;
  lastMessage: Message | null;
}

export const GROUP_TYPES = ['Public', 'Private', 'Work', 'Meeting', 'ChatRoom'] as const;
export type GroupType = (typeof GROUP_TYPES)[number];

export interface Group {
  groupID: string;
  name: string;
  type: GroupType;
  ownerID: string;
}

/**
 * Ringlet addition: an invitation to a group that awaits my consent (someone who is not
 * one of my contacts added me, or I had left that group). Accept or decline it.
 */
export interface GroupInvitation {
  group: Group;
  inviter: string;
  /** Seconds, server clock. */
  time: number;
}

export interface GroupMember {
  userID: string;
  role: 'Owner' | 'Member';
}

/** Conversation ID helpers: 'C2C' + userID and 'GROUP' + groupID. */
export const ConversationID = {
  c2c: (userID: string) => `C2C${userID}`,
  group: (groupID: string) => `GROUP${groupID}`,
  parse(id: string): { type: 'C2C'; userID: string } | { type: 'GROUP'; groupID: string } | null {
    if (id.startsWith('C2C') && id.length > 3) return { type: 'C2C', userID: id.slice(3) };
    if (id.startsWith('GROUP') && id.length > 5) return { type: 'GROUP', groupID: id.slice(5) };
    return null;
  },
};
