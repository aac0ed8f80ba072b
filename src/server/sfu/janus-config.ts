/**
 * The configuration folder of the Janus that Ringlet runs (pure: file names → text).
 * Closed to outsiders: `token_auth` (every Janus request needs a token the Ringlet server
 * added through the Admin API for one grant; docs/SECURITY.md "The SFU"), the Admin API
 * only on the loopback interface and behind `admin_secret`, rooms created only with the
 * videoroom's `admin_key`. Only the videoroom plugin and the WebSocket transport load.
 */
import { join } from 'node:path';

export interface JanusConfigInput {
  /** Where these files go (Janus's configs_folder). */
  dir: string;
  /** Janus's plugins/transports/events/loggers folders live under this one. */
  lib: string;
  /** WebSocket API. */
  port: number;
  host: string;
  /** Admin API (WebSocket), always on 127.0.0.1. */
  adminPort: number;
  adminSecret: string;
  /** The videoroom plugin's admin_key: only holders create rooms or RTP forwarders. */
  adminKey: string;
  rtpPortRange?: string;
  iceInterfaces?: string;
  sessionTimeout: number;
  debugLevel: number;
}

const OTHER_PLUGINS = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const OTHER_TRANSPORTS = ['http', 'pfunix', 'mqtt', 'nanomsg', 'rabbitmq'];

/** The files of the folder, by name. */
export function janusConfigFiles(o: JanusConfigInput): Record<string, string> {
  const q = (s: string) => JSON.stringify(s);
  return {
    'janus.jcfg': `general: {
  configs_folder = ${q(o.dir)}
  plugins_folder = ${q(join(o.lib, 'plugins'))}
  transports_folder = ${q(join(o.lib, 'transports'))}
  events_folder = ${q(join(o.lib, 'events'))}
  loggers_folder = ${q(join(o.lib, 'loggers'))}
  debug_level = ${o.debugLevel}
  session_timeout = ${o.sessionTimeout}
  reclaim_session_timeout = 0
  token_auth = true
  admin_secret = ${q(o.adminSecret)}
}
media: {
${o.rtpPortRange ? `  rtp_port_range = ${q(o.rtpPortRange)}\n` : ''}}
nat: {
  nice_debug = false
${o.iceInterfaces ? `  ice_enforce_list = ${q(o.iceInterfaces)}\n` : ''}}
plugins: {
  disable = ${q(OTHER_PLUGINS.map((p) => `libjanus_${p}.so`).join(','))}
}
transports: {
  disable = ${q(OTHER_TRANSPORTS.map((t) => `libjanus_${t}.so`).join(','))}
}
events: {
  broadcast = false
}
loggers: {
}
`,
    'janus.transport.websockets.jcfg': `general: {
  json = "plain"
  ws = true
  ws_port = ${o.port}
  ws_ip = ${q(o.host)}
  wss = false
}
admin: {
  admin_ws = true
  admin_ws_port = ${o.adminPort}
  admin_ws_ip = "127.0.0.1"
  admin_ws_acl = "127."
  admin_wss = false
}
`,
    'janus.plugin.videoroom.jcfg': `general: {
  admin_key = ${q(o.adminKey)}
  lock_rtp_forward = true
}
`,
  };
}
