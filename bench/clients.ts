/**
 * One client interface, three transports, so every load phase runs the same code
 * against Ringlet (through the real SDK, src/sdk/index.ts), the bare relay and Socket.IO.
 *
 * The invite's `data` is a tag ("phase:seq"); the invitee accepts echoing that tag as
 * the accept's `data`, so the inviter matches INVITEE_ACCEPTED to its invite without
 * depending on the order of the invite() reply and the event.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import type { TargetKind } from './options.ts';
import { repoRoot } from './ipc.ts';

/** An invitation as the invitee sees it. */
export interface Incoming { inviteID: string; from: string; data: string }

/** A logged-in user session. One handler slot per event: phases use fresh users. */
export interface Session {
  readonly userID: string;
  onInvite: ((inv: Incoming) => void) | null;
  onAccepted: ((data: string) => void) | null;
  /** Resolves when the server committed the invite (SDK) or when it is sent (relay). */
  invite(to: string, data: string): Promise<unknown>;
  accept(inv: Incoming): Promise<unknown>;
  close(): Promise<void>;
}

/** Logs users in over one transport. */
export interface Driver {
  readonly kind: TargetKind;
  /** Connection trouble seen by all sessions: drops/reconnects (SDK NET_STATE_CHANGE after login, socket close) and kicks. */
  readonly stats: { netChanges: number; kicked: number };
  login(userID: string, sig: string): Promise<Session>;
}

// ------------------------------------------------------------------ Ringlet SDK

/** The part of API.md's client the bench uses. */
interface Chat {
  login(o: { userID: string; userSig: string }): Promise<unknown>;
  logout(): Promise<unknown>;
  destroy(): Promise<unknown>;
  invite(o: { userID: string; data?: string; timeout?: number }): Promise<{ inviteID: string }>;
  accept(o: { inviteID: string; data?: string }): Promise<unknown>;
  addSignalingListener(name: string, handler: (ev: { name: string; data: any }) => void): void;
  on(name: string, handler: (ev: { name: string; data: any }) => void): void;
}
interface SdkModule {
  createChat(o: { server: string }): Chat;
  TSignaling: { NEW_INVITATION_RECEIVED: string; INVITEE_ACCEPTED: string };
  EVENT?: { NET_STATE_CHANGE?: string; KICKED_OUT?: string };
}

/** Driver over the real SDK; `timeout` is the invite timeout in seconds. */
export async function sdkDriver(url: string, inviteTimeoutS = 30): Promise<Driver> {
  // computed specifier: compiled against API.md, not against whatever src/sdk is today
  const mod = (await import(pathToFileURL(path.join(repoRoot, 'src/sdk/index.ts')).href)) as SdkModule;
  if (typeof mod.createChat !== 'function') throw new Error('src/sdk/index.ts exports no createChat');
  const NEW = mod.TSignaling?.NEW_INVITATION_RECEIVED ?? 'newInvitationReceived';
  const ACC = mod.TSignaling?.INVITEE_ACCEPTED ?? 'ts_invitee_accepted';
  const stats = { netChanges: 0, kicked: 0 };
  return {
    kind: 'ringlet',
    stats,
    async login(userID, sig) {
      const chat = mod.createChat({ server: url });
      await chat.login({ userID, userSig: sig });
      if (mod.EVENT?.NET_STATE_CHANGE) chat.on(mod.EVENT.NET_STATE_CHANGE, () => { stats.netChanges++; });
      if (mod.EVENT?.KICKED_OUT) chat.on(mod.EVENT.KICKED_OUT, () => { stats.kicked++; });
      const s: Session = {
        userID,
        onInvite: null,
        onAccepted: null,
        invite: (to, data) => chat.invite({ userID: to, data, timeout: inviteTimeoutS }),
        accept: (inv) => chat.accept({ inviteID: inv.inviteID, data: inv.data }),
        close: async () => { await chat.destroy(); },
      };
      chat.addSignalingListener(NEW, (ev) => s.onInvite?.({ inviteID: ev.data.inviteID, from: ev.data.inviter, data: ev.data.data }));
      chat.addSignalingListener(ACC, (ev) => { if (ev.data.inviter === userID) s.onAccepted?.(ev.data.data); });
      return s;
    },
  };
}

// ------------------------------------------------------------------ bare relay

/** Driver over bench/relay-child.ts's protocol (auth frame, then `to`-addressed frames). */
export function relayDriver(url: string): Driver {
  const stats = { netChanges: 0, kicked: 0 };
  return {
    kind: 'relay',
    stats,
    login(userID) {
      return new Promise<Session>((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        let ready = false;
        let closing = false;
        const s: Session = {
          userID,
          onInvite: null,
          onAccepted: null,
          invite: (to, data) => { ws.send(JSON.stringify({ to, t: 'invite', from: userID, data })); return Promise.resolve(); },
          accept: (inv) => { ws.send(JSON.stringify({ to: inv.from, t: 'accept', from: userID, data: inv.data })); return Promise.resolve(); },
          close: () => new Promise<void>((r) => {
            closing = true;
            if (ws.readyState === WebSocket.CLOSED) return r();
            ws.once('close', () => r());
            ws.close();
            setTimeout(() => { ws.terminate(); r(); }, 2_000).unref();
          }),
        };
        ws.on('open', () => ws.send(JSON.stringify({ t: 'auth', user: userID })));
        ws.on('message', (raw) => {
          const m = JSON.parse(raw.toString()) as { t: string; from?: string; data?: string };
          if (!ready) {
            if (m.t === 'ready') { ready = true; resolve(s); }
            return;
          }
          if (m.t === 'invite') s.onInvite?.({ inviteID: m.data ?? '', from: m.from ?? '', data: m.data ?? '' });
          else if (m.t === 'accept') s.onAccepted?.(m.data ?? '');
        });
        ws.on('error', (err) => { if (!ready) reject(err); });
        ws.on('close', () => {
          if (!ready) reject(new Error(`relay closed before ready (${userID})`));
          else if (!closing) stats.netChanges++;
        });
      });
    },
  };
}

// ------------------------------------------------------------------ Socket.IO relay

/** Driver over bench/socketio-child.ts (auth { user }, then `signal` events with `to`). */
export function socketioDriver(url: string): Driver {
  const stats = { netChanges: 0, kicked: 0 };
  return {
    kind: 'socketio',
    stats,
    login(userID) {
      return new Promise<Session>((resolve, reject) => {
        const socket = io(url, { transports: ['websocket'], auth: { user: userID }, reconnection: false, forceNew: true });
        let ready = false;
        const s: Session = {
          userID,
          onInvite: null,
          onAccepted: null,
          invite: (to, data) => { socket.emit('signal', { to, t: 'invite', from: userID, data }); return Promise.resolve(); },
          accept: (inv) => { socket.emit('signal', { to: inv.from, t: 'accept', from: userID, data: inv.data }); return Promise.resolve(); },
          close: () => { socket.disconnect(); return Promise.resolve(); },
        };
        socket.once('ready', () => { ready = true; resolve(s); });
        socket.on('signal', (m: { t: string; from?: string; data?: string }) => {
          if (m.t === 'invite') s.onInvite?.({ inviteID: m.data ?? '', from: m.from ?? '', data: m.data ?? '' });
          else if (m.t === 'accept') s.onAccepted?.(m.data ?? '');
        });
        socket.on('connect_error', (err) => { if (!ready) reject(err); });
        socket.on('disconnect', (why) => { if (ready && why !== 'io client disconnect') stats.netChanges++; });
      });
    },
  };
}
