/**
 * `npm start`'s SFU: with `--sfu auto` (the default) it starts the installed Janus with a
 * generated config, keeps it running (supervisor.ts: restarted whenever it exits) and says
 * so; without Janus it says how to install it and group calls stay on the mesh (up to 6).
 */
import { join } from 'node:path';
import { MESH_LIMIT } from '../../protocol/sfu.ts';
import { findJanus } from '../sfu/launch.ts';
import { superviseJanus, type SupervisedJanus } from '../sfu/supervisor.ts';
import type { CliConfig } from './config.ts';

export async function startSfuForCli(config: CliConfig, say: (line: string) => void): Promise<SupervisedJanus | null> {
  const sfu = config.sfu;
  if (sfu.mode === 'off') {
    say(`SFU: off (--sfu off); group calls use the peer-to-peer mesh, up to ${MESH_LIMIT} people`);
    return null;
  }
  if (sfu.mode === 'url') {
    say(`SFU: Janus at ${config.options.sfu?.url} carries classrooms and calls of more than ${MESH_LIMIT}`);
    return null;
  }
  if (!findJanus()) {
    say(`SFU: Janus is not installed, so classrooms and calls of more than ${MESH_LIMIT} are not available; group calls use the mesh (up to ${MESH_LIMIT}). Install it with: apt-get install -y janus`);
    return null;
  }
  try {
    const janus = await superviseJanus({
      dir: join(config.dataDir, 'janus'), port: sfu.port, adminPort: sfu.adminPort, host: config.options.host ?? '127.0.0.1', ownProcessGroup: true,
      ...(sfu.user ? { user: sfu.user } : {}), ...(sfu.maxFiles ? { maxFiles: sfu.maxFiles } : {}),
    }, say);
    config.options.sfu = { ...janus.sfu, ...(sfu.publicUrl ? { publicUrl: sfu.publicUrl } : {}) };
    const as = janus.identity ? ` as ${janus.identity.name}` : '';
    say(`SFU: started Janus (pid ${janus.process.pid}${as}, at most ${janus.maxFiles} open files) at ${janus.url} for classrooms and calls of more than ${MESH_LIMIT}`);
    return janus;
  } catch (err) {
    say(`SFU: could not start Janus (${(err as Error).message.split('\n')[0]}); group calls use the mesh (up to ${MESH_LIMIT})`);
    return null;
  }
}
