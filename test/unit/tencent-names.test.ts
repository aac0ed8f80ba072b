/**
 * Ringlet's signaling names and history action types are the published Tencent module's
 * (@tencentcloud/chat, read here as it ships): INVITATION_MODIFIED (modifyInvitation's
 * event) included, and no action type of Ringlet's own, so the module's history reader
 * (`getSignalingInfo`, its switch on actionType 1–5) reads every signaling message Ringlet
 * stores. modifyInvitation stores none (docs/API.md "modifyInvitation").
 */
import { describe, expect, it } from 'vitest';
import TencentCloudChat from '@tencentcloud/chat';
import { ActionType, TSignaling } from '../../src/protocol/signaling.ts';

describe("Tencent's published names", () => {
  it('every Ringlet signaling event has the published name and value, INVITATION_MODIFIED included', () => {
    const published = TencentCloudChat.TSignaling as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(TSignaling)) expect(published[key], key).toBe(value);
    expect(TSignaling.INVITATION_MODIFIED).toBe('ts_invitation_modified');
  });

  it('the history action types are exactly the published ones', () => {
    const published = TencentCloudChat.TSignaling as unknown as Record<string, number>;
    expect(Object.values(ActionType).sort()).toEqual([
      published.ACTION_TYPE_INVITE, published.ACTION_TYPE_CANCEL_INVITE, published.ACTION_TYPE_ACCEPT_INVITE,
      published.ACTION_TYPE_REJECT_INVITE, published.ACTION_TYPE_INVITE_TIMEOUT,
    ].sort());
  });
});
