/**
 * README "Deploy", followed as written: the sites file and the environment file are the README's
 * own blocks, the collector is started the way the shipped systemd unit starts it (its
 * Environment, EnvironmentFile, WorkingDirectory and ExecStart), nginx runs the shipped files with
 * TLS, and the "Observe" commands are the README's curl lines, run by curl. Only what cannot exist
 * here is moved: /opt, /etc and /var/lib into a temporary folder, 8787/80/443 to free ports (curl's
 * --connect-to keeps the README's host name), and a self-signed certificate for that name.
 * The npm install step is the package test's (test/package); here /opt/rejoiner/node_modules holds
 * this checkout as the installed package.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/free-port.mjs';
import { startNginx, type NginxServer } from '../../scripts/lib/nginx-server.mjs';

const ROOT = resolve(import.meta.dirname, '..', '..');
const UNIT = join(ROOT, 'deploy', 'systemd', 'rejoiner-collector.service');
const HOST = 'collect.example.com';
const run = promisify(execFile);

/** The README's "## Deploy" section. */
const guide = (() => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Deploy\n');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0) throw new Error('README has no "## Deploy" section');
  return readme.slice(start, end);
})();

/** The first fenced block after the first line of the guide that contains `marker`. */
function blockAfter(marker: string): string {
  const at = guide.indexOf(marker);
  if (at < 0) throw new Error(`README "Deploy" no longer mentions ${marker}`);
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(guide.slice(at));
  if (!match) throw new Error(`no code block after ${marker}`);
  return match[1];
}

/** KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments and blank lines skipped). */
function environmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match && !line.trimStart().startsWith('#')) env[match[1]] = match[2].trim().replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** The [Service] settings of a unit file: every value of each key, in order. */
function serviceSettings(text: string): Map<string, string[]> {
  const settings = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header) section = header[1];
    const setting = /^(\w+)=(.*)$/.exec(line);
    if (section == 'Service' && setting) settings.set(setting[1], [...(settings.get(setting[1]) ?? []), setting[2]]);
  }
  return settings;
}

let dir: string;
let moved: (text: string) => string;
let env: Record<string, string>;
let collector: ChildProcess;
let collectorLog = '';
let proxy: NginxServer;
let tlsPort: number;
let httpPort: number;
let cert: string;
let acmeRoot: string;

/** Runs one of the README's curl lines with this test's certificate and ports. */
async function curl(line: string): Promise<string> {
  const placed = line.replace(/^curl /, `curl --cacert ${cert} --connect-to ${HOST}:443:127.0.0.1:${tlsPort} --connect-to ${HOST}:80:127.0.0.1:${httpPort} `);
  const { stdout } = await run('sh', ['-c', placed], { env: { PATH: process.env.PATH, ...env } });
  return stdout;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'deploy-guide-'));
  moved = (text) =>
    text.replaceAll('/opt/rejoiner', join(dir, 'opt')).replaceAll('/etc/rejoiner', join(dir, 'etc')).replaceAll('/var/lib/rejoiner', join(dir, 'var'));
  for (const sub of ['opt/node_modules/.bin', 'etc', 'var']) mkdirSync(join(dir, sub), { recursive: true });

  // "Install": this checkout as the installed package, its bin linked the way npm links it.
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const bin = manifest.bin?.['rejoiner-collector'];
  if (!bin) throw new Error('package.json has no bin "rejoiner-collector"');
  symlinkSync(ROOT, join(dir, 'opt', 'node_modules', manifest.name));
  symlinkSync(join(ROOT, bin), join(dir, 'opt', 'node_modules', '.bin', 'rejoiner-collector'));

  // "Configure": the README's two files, each <placeholder> filled as the README says
  // (`openssl rand -hex 24`), and their mode set by its chmod line.
  const filled = (text: string): string => text.replace(/<[^<>\n]+>/g, () => execFileSync('openssl', ['rand', '-hex', '24'], { encoding: 'utf8' }).trim());
  writeFileSync(join(dir, 'etc', 'sites.json'), filled(blockAfter('/etc/rejoiner/sites.json')));
  writeFileSync(join(dir, 'etc', 'collector.env'), filled(moved(blockAfter('/etc/rejoiner/collector.env'))));
  const chmod = blockAfter('readable by root and the service only').split('\n').find((line) => line.includes('chmod'))!;
  await run('sh', ['-c', moved(chmod.replace(/^sudo /, ''))]);
  for (const name of ['sites.json', 'collector.env']) expect(statSync(join(dir, 'etc', name)).mode & 0o777).toBe(0o640);

  // "Run": the unit, checked by systemd itself, then started as it would start it.
  const unit = moved(readFileSync(UNIT, 'utf8'));
  writeFileSync(join(dir, 'rejoiner-collector.service'), unit);
  const verify = spawn('systemd-analyze', ['verify', join(dir, 'rejoiner-collector.service')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let complaints = '';
  verify.stdout.on('data', (chunk) => (complaints += chunk));
  verify.stderr.on('data', (chunk) => (complaints += chunk));
  const verified = await new Promise<number | null>((done) => verify.on('exit', done));
  expect({ verified, complaints }).toEqual({ verified: 0, complaints: '' });

  const service = serviceSettings(unit);
  env = {};
  for (const assignment of service.get('Environment') ?? []) Object.assign(env, environmentFile(assignment));
  for (const file of service.get('EnvironmentFile') ?? []) Object.assign(env, environmentFile(readFileSync(file.replace(/^-/, ''), 'utf8')));
  const collectorPort = await freePort();
  env.PORT = String(collectorPort);
  const [command, ...args] = service.get('ExecStart')![0].split(/\s+/);
  // systemd applies UMask= before exec; so does this shell.
  const umask = service.get('UMask')?.[0] ?? '0022';
  collector = spawn('sh', ['-c', `umask ${umask} && exec "$0" "$@"`, command, ...args], { cwd: service.get('WorkingDirectory')![0], env: { PATH: process.env.PATH!, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  collector.stdout!.on('data', (chunk) => (collectorLog += chunk));
  collector.stderr!.on('data', (chunk) => (collectorLog += chunk));
  await new Promise<void>((ready, failed) => {
    const poll = setInterval(() => /listening/.test(collectorLog) && (clearInterval(poll), ready()), 50);
    collector.once('exit', (code) => (clearInterval(poll), failed(new Error(`collector exited ${code}: ${collectorLog}`))));
  });

  // "Proxy and TLS": the shipped nginx files with a certificate for the README's host name.
  cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`, '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  tlsPort = await freePort();
  httpPort = await freePort();
  acmeRoot = join(dir, 'letsencrypt');
  mkdirSync(join(acmeRoot, '.well-known', 'acme-challenge'), { recursive: true });
  writeFileSync(join(acmeRoot, '.well-known', 'acme-challenge', 'token-1'), 'token-1.thumbprint');
  proxy = await startNginx({ upstreams: [collectorPort], port: tlsPort, tls: { cert, key, httpPort, acmeRoot } });
});

afterAll(async () => {
  await proxy?.stop();
  if (collector && collector.exitCode === null) {
    collector.kill('SIGTERM');
    await new Promise((done) => collector.once('exit', done));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('README "Deploy", step by step', () => {
  it('runs in production mode: no demo site, the sites file of the guide', async () => {
    expect(collectorLog).not.toMatch(/demo site/);
    const response = await curl(`curl -sS -w ' %{http_code}' -X POST -H 'Origin: https://shop.example' --data-binary '{}' https://${HOST}/v4/demo`);
    expect(response).toMatch(/unknown site \\"demo\\".* 403$/);
  });

  it('answers every "Observe" command', async () => {
    const lines = blockAfter('### Observe').split('\n').filter((line) => line.startsWith('curl '));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const [health, ready, metrics] = await Promise.all(lines.map(curl));
    expect(health).toBe('ok\n');
    expect(ready).toMatch(/ok|ready/);
    expect(metrics).toMatch(/^# TYPE rejoiner_events_accepted_total counter$/m);
    expect(metrics).toMatch(/^process_cpu_seconds_total\b/m);
  });

  it('takes a beacon from the shop of the sites file over TLS and logs a refused one as JSON without the email', async () => {
    const [site] = JSON.parse(readFileSync(join(dir, 'etc', 'sites.json'), 'utf8'));
    const beacon = JSON.stringify({
      v: 4, lib: '1.0.0', site: site.id, sent_at: Date.now(),
      events: [{ id: 'deploy-1', seq: 1, type: 'page_view', ts: Date.now(), visitor: 'v1', session: 's1', order: null, url: 'https://shop.example/', data: { url: 'https://shop.example/', title: 'Home', referrer: '' } }],
    });
    const body = join(dir, 'beacon.json');
    writeFileSync(body, beacon);
    const accepted = await curl(`curl -fsS -H 'Origin: ${site.origins[0]}' -H 'Content-Type: text/plain;charset=UTF-8' --data-binary @${body} https://${HOST}/v4/${site.id}`);
    expect(JSON.parse(accepted)).toMatchObject({ accepted: 1 });

    const refused = await curl(`curl -sS -o /dev/null -w '%{http_code}' -H 'Origin: https://elsewhere.example' --data-binary @${body} 'https://${HOST}/v4/${site.id}?email=jane@shop.example'`);
    expect(refused).toBe('403');
    const refusal = (): string | undefined => collectorLog.split('\n').find((text) => text.includes('"status":403') && text.includes(`/v4/${site.id}`));
    await expect.poll(refusal).toBeTruthy();
    const line = refusal()!;
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ level: 'info', method: 'POST', path: `/v4/${site.id}`, site: site.id });
    expect(entry.req).toBeTruthy();
    expect(entry.reason).toBeTruthy();
    expect(collectorLog).not.toContain('jane@shop.example');
  });

  it('redirects plain HTTP to HTTPS, but for ACME challenges (certbot --webroot)', async () => {
    const location = await curl(`curl -sS -o /dev/null -w '%{redirect_url}' http://${HOST}/dist/rejoiner.js`);
    expect(location).toBe(`https://${HOST}/dist/rejoiner.js`);
    expect(await curl(`curl -fsS http://${HOST}/.well-known/acme-challenge/token-1`)).toBe('token-1.thumbprint');
  });

  it('keeps the database to the service: files it creates are not readable by others (UMask)', async () => {
    const umask = serviceSettings(readFileSync(UNIT, 'utf8')).get('UMask')?.[0];
    expect(umask).toBe('0077');
    expect(statSync(env.DATABASE_URL).mode & 0o077).toBe(0);
  });

  it('stops on SIGTERM as systemctl stop does, with exit code 0', async () => {
    collector.kill('SIGTERM');
    const code = await new Promise((done) => collector.once('exit', done));
    expect(code).toBe(0);
  });
});
