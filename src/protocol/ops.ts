/**
 * Request operations and the schema of each one's parameters. The server validates every
 * request with these; the SDK runs the same checks before sending, so a bad call fails
 * early with the same 8001 error the server would give.
 */
import { z } from 'zod';
import { GROUP_TYPES } from './im.ts';
import { ID_PATTERN, LIMITS, utf8Bytes } from './limits.ts';
import type { OfflinePushInfo } from './signaling.ts';

const id = z.string().regex(ID_PATTERN);
const inviteID = z.string().min(1).max(128);
const data = z.string().refine((s) => utf8Bytes(s) <= LIMITS.dataBytes, { message: `longer than ${LIMITS.dataBytes} bytes of UTF-8` });
const timeout = z.int().min(0).max(LIMITS.maxTimeout);
const pushText = z.string().refine((s) => utf8Bytes(s) <= LIMITS.pushTextBytes, { message: `longer than ${LIMITS.pushTextBytes} bytes` });

export const offlinePushInfoSchema = z.strictObject({
  disablePush: z.boolean().optional(),
  disableVoipPush: z.boolean().optional(),
  title: pushText.optional(),
  description: pushText.optional(),
  extension: pushText.optional(),
  ignoreIOSBadge: z.boolean().optional(),
  androidOPPOChannelID: z.string().max(128).optional(),
}) satisfies z.ZodType<OfflinePushInfo>;

const inviteCommon = {
  data: data.optional(),
  timeout: timeout.optional(),
  onlineUserOnly: z.boolean().optional(),
  offlinePushInfo: offlinePushInfoSchema.optional(),
};

/** 'C2C' or 'GROUP' and an ID. */
const conversationID = z.string().regex(new RegExp(`^(C2C|GROUP)${ID_PATTERN.source.slice(1)}`));

/** Parameter schemas, one per operation. */
export const opSchemas = {
  invite: z.strictObject({ userID: id, ...inviteCommon }),
  inviteInGroup: z.strictObject({
    groupID: id,
    inviteeList: z
      .array(id)
      .min(1)
      .max(LIMITS.maxInvitees)
      .refine((l) => new Set(l).size === l.length, { message: 'has duplicates' }),
    ...inviteCommon,
  }),
  cancel: z.strictObject({ inviteID, data: data.optional() }),
  accept: z.strictObject({ inviteID, data: data.optional() }),
  reject: z.strictObject({ inviteID, data: data.optional() }),
  getPendingInvitations: z.strictObject({}),

  createGroup: z.strictObject({
    name: z.string().min(1).max(LIMITS.groupNameMaxLength),
    type: z.enum(GROUP_TYPES).optional(),
    groupID: id.optional(),
    memberList: z.array(id).max(LIMITS.maxGroupMembers).optional(),
  }),
  joinGroup: z.strictObject({ groupID: id }),
  quitGroup: z.strictObject({ groupID: id }),
  dismissGroup: z.strictObject({ groupID: id }),
  addGroupMember: z.strictObject({ groupID: id, userIDList: z.array(id).min(1).max(LIMITS.maxInvitees) }),
  deleteGroupMember: z.strictObject({ groupID: id, userIDList: z.array(id).min(1).max(LIMITS.maxInvitees) }),
  getGroupList: z.strictObject({}),
  getGroupProfile: z.strictObject({ groupID: id }),
  getGroupMemberList: z.strictObject({ groupID: id }),

  sendMessage: z.strictObject({
    conversationID,
    payload: z.strictObject({ data, description: pushText.optional(), extension: pushText.optional() }),
    onlineUserOnly: z.boolean().optional(),
  }),
  getMessageList: z.strictObject({
    conversationID,
    nextReqMessageID: z.string().regex(/^[0-9]{1,20}$/).optional(),
    count: z.int().min(1).max(LIMITS.maxPageSize).optional(),
  }),
  getConversationList: z.strictObject({}),
  getIceServers: z.strictObject({}),
  getSfuJoin: z.strictObject({ inviteID }),
  getCapabilities: z.strictObject({}),
  setMessageRead: z.strictObject({ conversationID }),
  logout: z.strictObject({}),
} as const;

export type Op = keyof typeof opSchemas;
export type OpParams<K extends Op> = z.infer<(typeof opSchemas)[K]>;

/** Operations that change state: the server applies each request id of these at most once. */
export const MUTATING_OPS: ReadonlySet<Op> = new Set<Op>([
  'invite', 'inviteInGroup', 'cancel', 'accept', 'reject',
  'createGroup', 'joinGroup', 'quitGroup', 'dismissGroup', 'addGroupMember', 'deleteGroupMember',
  'sendMessage', 'setMessageRead',
]);

export function isOp(value: unknown): value is Op {
  return typeof value === 'string' && Object.hasOwn(opSchemas, value);
}
