// A small softphone written only from Tencent Cloud Chat's public documentation of its web
// signaling API: TencentCloudChat.create, login, on(EVENT.SDK_READY / MESSAGE_RECEIVED),
// addSignalingListener(TSignaling.*), invite, inviteInGroup, cancel, accept, reject,
// createGroup, getSignalingInfo, logout, destroy. One user per process:
//   ROLE=callee  answers what the caller's invitation data asks for (accept, reject, or
//                nothing), and leaves after the hang-up invitation (the documented pattern:
//                hanging up is one more invitation whose data says so, with the duration);
//   ROLE=caller  calls PEER_ID: an accepted call, a rejected one, one it cancels, one that
//                times out, a raise-hands invitation in a work group, then the hang-up.
// Each step prints one JSON line. CHAT_SERVER is the server address (proxyServer).
// test/packages/packages.test.ts type-checks this file against the published
// @tencentcloud/chat declarations, then runs it against Ringlet with only its import changed.
import TencentCloudChat from '@tencentcloud/chat';

const env = process.env;
const userID = String(env.USER_ID);
const peerID = String(env.PEER_ID);
const chat = TencentCloudChat.create({ SDKAppID: Number(env.SDK_APP_ID ?? 0), proxyServer: env.CHAT_SERVER });

/** @param {string} step @param {object} [fields] */
const log = (step, fields = {}) => console.log(JSON.stringify({ step, userID, ...fields }));

/** Every signaling event heard, so that one that arrives before its invite resolves is not missed. */
/** @type {Array<{ name: string, data: any }>} */
const heard = [];
/** @type {Array<() => boolean>} */
let waiting = [];
/** @param {{ name: string, data: any }} event */
const onSignal = (event) => {
  heard.push(event);
  waiting = waiting.filter((check) => !check());
};
chat.addSignalingListener(TencentCloudChat.TSignaling.INVITEE_ACCEPTED, onSignal);
chat.addSignalingListener(TencentCloudChat.TSignaling.INVITEE_REJECTED, onSignal);
chat.addSignalingListener(TencentCloudChat.TSignaling.INVITATION_CANCELLED, onSignal);
chat.addSignalingListener(TencentCloudChat.TSignaling.INVITATION_TIMEOUT, onSignal);

/** Resolves with the data of the first `name` event heard for `inviteID`. @param {string} name @param {string} inviteID */
function heardOf(name, inviteID) {
  return new Promise((resolve) => {
    const check = () => {
      const event = heard.find((e) => e.name === name && e.data.inviteID === inviteID);
      if (event) resolve(event.data);
      return event !== undefined;
    };
    if (!check()) waiting.push(check);
  });
}

/** The action types of the signaling messages in my history, in arrival order. @type {number[]} */
const history = [];
chat.on(TencentCloudChat.EVENT.MESSAGE_RECEIVED, (/** @type {{ data: any[] }} */ event) => {
  for (const message of event.data) {
    const signaling = chat.getSignalingInfo(message);
    if (signaling) history.push(Number(signaling.actionType));
  }
});

const ready = new Promise((resolve) => chat.on(TencentCloudChat.EVENT.SDK_READY, resolve));

async function callee() {
  chat.addSignalingListener(TencentCloudChat.TSignaling.NEW_INVITATION_RECEIVED, async (/** @type {{ data: any }} */ event) => {
    const invitation = event.data;
    const request = JSON.parse(invitation.data);
    log('ring', { inviteID: invitation.inviteID, inviter: invitation.inviter, groupID: invitation.groupID, inviteeList: invitation.inviteeList, request });
    if (request.action === 'hangup') {
      await chat.accept({ inviteID: invitation.inviteID, data: '' });
      log('hung up', { duration: request.duration, history });
      await chat.logout();
      await chat.destroy();
    } else if (request.answer === 'accept') {
      await chat.accept({ inviteID: invitation.inviteID, data: JSON.stringify({ roomID: request.roomID }) });
    } else if (request.answer === 'reject') {
      await chat.reject({ inviteID: invitation.inviteID, data: JSON.stringify({ reason: 'busy' }) });
    }
  });
  chat.addSignalingListener(TencentCloudChat.TSignaling.INVITATION_MODIFIED, (/** @type {{ data: any }} */ event) => log('modified', { inviteID: event.data.inviteID, data: event.data.data }));
  chat.addSignalingListener(TencentCloudChat.TSignaling.INVITATION_CANCELLED, (/** @type {{ data: any }} */ event) => log('cancelled', { inviteID: event.data.inviteID }));
  chat.addSignalingListener(TencentCloudChat.TSignaling.INVITATION_TIMEOUT, (/** @type {{ data: any }} */ event) => log('timed out', { inviteID: event.data.inviteID, isSelfTimeout: event.data.isSelfTimeout }));
  await chat.login({ userID, userSig: String(env.USER_SIG) });
  await ready;
  log('ready');
}

/** @param {object} request @param {number} timeout */
async function call(request, timeout) {
  const imResponse = await chat.invite({ userID: peerID, data: JSON.stringify(request), timeout });
  return String(imResponse.inviteID);
}

async function caller() {
  await chat.login({ userID, userSig: String(env.USER_SIG) });
  await ready;

  const answered = await call({ action: 'call', roomID: 1, answer: 'accept' }, 30);
  const accepted = await heardOf(TencentCloudChat.TSignaling.INVITEE_ACCEPTED, answered);
  log('accepted', { inviteID: answered, invitee: accepted.invitee, data: accepted.data });

  const busy = await call({ action: 'call', roomID: 2, answer: 'reject' }, 30);
  const rejected = await heardOf(TencentCloudChat.TSignaling.INVITEE_REJECTED, busy);
  log('rejected', { inviteID: busy, invitee: rejected.invitee, data: rejected.data });

  const withdrawn = await call({ action: 'call', roomID: 3, answer: 'none' }, 30);
  const modified = await chat.modifyInvitation({ inviteID: withdrawn, data: JSON.stringify({ action: 'call', roomID: 3, answer: 'none', note: 'changed' }) });
  log('modified', { inviteID: withdrawn, code: modified.code });
  const cancelled = await chat.cancel({ inviteID: withdrawn, data: '' });
  log('cancel', { inviteID: withdrawn, code: cancelled.code });

  const unanswered = await call({ action: 'call', roomID: 4, answer: 'none' }, 1);
  const timedOut = await heardOf(TencentCloudChat.TSignaling.INVITATION_TIMEOUT, unanswered);
  log('timed out', { inviteID: unanswered, inviteeList: timedOut.inviteeList, isSelfTimeout: timedOut.isSelfTimeout });

  const created = await chat.createGroup({ name: 'class 1', type: TencentCloudChat.TYPES.GRP_WORK, memberList: [{ userID: peerID }] });
  const groupID = String(created.data.group.groupID);
  const raise = await chat.inviteInGroup({ groupID, inviteeList: [peerID], data: JSON.stringify({ action: 'raise-hands', answer: 'accept' }), timeout: 30 });
  const raised = await heardOf(TencentCloudChat.TSignaling.INVITEE_ACCEPTED, String(raise.inviteID));
  log('hand raised', { inviteID: raise.inviteID, groupID: raised.groupID, invitee: raised.invitee });

  const hangup = await call({ action: 'hangup', duration: 42 }, 30);
  await heardOf(TencentCloudChat.TSignaling.INVITEE_ACCEPTED, hangup);
  log('done', { history });
  await chat.logout();
  await chat.destroy();
}

await (env.ROLE === 'caller' ? caller() : callee());
