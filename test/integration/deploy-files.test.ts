/**
 * The files of deploy/ that docs/DEPLOY.md has an admin install, checked against the real
 * thing: the systemd units pass `systemd-analyze verify` (no unknown keys, every command
 * there) and `systemd-analyze security` rates their exposure OK; the Grafana dashboard's
 * queries name only metrics a running server exports, and cover every Ringlet metric;
 * deploy/janus holds every line `npm start` writes for Janus (token_auth, the Admin API on
 * loopback, the admin_key), so the systemd Janus is as closed as the supervised one; and
 * ringlet.env sets only variables the server reads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server/index.ts';
import { HELP } from '../../src/server/cli/config.ts';
import { janusConfigFiles } from '../../src/server/sfu/janus-config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const deploy = (f: string) => join(ROOT, 'deploy', f);
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const UNITS = ['ringlet.service', 'ringlet-janus.service'];

const tmp = mkdtempSync(join(tmpdir(), 'ringlet-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!existsSync(SYSTEMD_ANALYZE))('systemd units (systemd-analyze)', () => {
  // The units name Debian's paths; where a binary lives elsewhere on this machine (Node
  // from another installer, no Janus), the copy checked names the one found instead.
  const janus = ['/usr/bin/janus', '/usr/local/bin/janus'].find((p) => existsSync(p)) ?? process.execPath;
  for (const unit of UNITS) {
    writeFileSync(join(tmp, unit), readFileSync(deploy(unit), 'utf8').replace('/usr/bin/node ', `${process.execPath} `).replace('/usr/bin/janus ', `${janus} `));
  }

  it('verify finds nothing to say about either unit', () => {
    const r = spawnSync(SYSTEMD_ANALYZE, ['verify', ...UNITS.map((u) => join(tmp, u))], { encoding: 'utf8' });
    expect(r.stderr.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('verify would fail on an unknown key (the check itself works)', () => {
    const bad = join(tmp, 'bad.service');
    writeFileSync(bad, readFileSync(join(tmp, 'ringlet.service'), 'utf8').replace('NoNewPrivileges=yes', 'NoNewPrivileges=yes\nProtectSystm=strict'));
    expect(spawnSync(SYSTEMD_ANALYZE, ['verify', bad], { encoding: 'utf8' }).stderr).toContain("Unknown key 'ProtectSystm'");
  });

  it('both units are hardened: exposure rated OK (at most 2.0 of 10)', () => {
    for (const unit of UNITS) {
      const out = spawnSync(SYSTEMD_ANALYZE, ['security', '--offline=true', join(tmp, unit)], { encoding: 'utf8' }).stdout;
      const level = Number(/Overall exposure level for [\w.-]+: ([\d.]+)/.exec(out)?.[1]);
      expect(level, `${unit}: ${out.split('\n').filter((l) => l.startsWith('✗')).join('\n')}`).toBeLessThanOrEqual(2.0);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('queries only metrics the server exports, and every Ringlet metric', async () => {
    const server = await startServer({ port: 0, logLevel: 'silent', metrics: { host: '127.0.0.1', port: 0 } });
    const text = await (await fetch(server.metricsUrl!)).text();
    await server.close();
    const exported = new Map<string, string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exported.set(m[1]!, m[2]!);
    const series = new Set<string>();
    for (const [name, type] of exported) {
      series.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_count', '_sum']) series.add(name + s);
    }

    const dashboard = JSON.parse(readFileSync(deploy('grafana-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const named = new Set<string>();
    for (const panel of dashboard.panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets) {
        const metrics = [...expr.matchAll(/\b(ringlet_[a-z0-9_]+)/g)].map((m) => m[1]!);
        expect(metrics.length, expr).toBeGreaterThan(0);
        for (const m of metrics) {
          expect(series.has(m), `${panel.title}: ${m} is not exported`).toBe(true);
          named.add(m.replace(/_(bucket|count|sum)$/, ''));
        }
      }
    }
    const ringletOwn = [...exported.keys()].filter((n) => !n.startsWith('ringlet_process_'));
    expect(ringletOwn.filter((n) => !named.has(n))).toEqual([]);
  });
});

describe('deploy/janus', () => {
  it('holds every line npm start writes for Janus, with its placeholders', () => {
    const generated = janusConfigFiles({
      dir: '/etc/ringlet/janus', lib: '/usr/lib/x86_64-linux-gnu/janus', port: 8188, host: '127.0.0.1', adminPort: 7188,
      adminSecret: '@ADMIN_SECRET@', adminKey: '@ADMIN_KEY@', rtpPortRange: '20000-40000', sessionTimeout: 20, debugLevel: 2,
    });
    for (const [file, text] of Object.entries(generated)) {
      const lines = readFileSync(deploy(`janus/${file}`), 'utf8').split('\n');
      expect(text.split('\n').filter((l) => !lines.includes(l)), file).toEqual([]);
    }
    const main = readFileSync(deploy('janus/janus.jcfg'), 'utf8');
    expect(main).toMatch(/^\s*token_auth = true$/m);
    expect(readFileSync(deploy('janus/janus.transport.websockets.jcfg'), 'utf8')).toMatch(/admin_ws_ip = "127\.0\.0\.1"/);
  });
});

describe('deploy/ringlet.env', () => {
  it('sets only variables the server reads', () => {
    const names = readFileSync(deploy('ringlet.env'), 'utf8').split('\n').map((l) => /^#?(RINGLET_[A-Z_]+)=/.exec(l)?.[1]).filter((n): n is string => !!n);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((n) => !new RegExp(`\\b${n}\\b`).test(HELP))).toEqual([]);
  });
});

