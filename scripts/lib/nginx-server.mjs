/**
 * nginx from Debian's package, run in the foreground with a temporary prefix (never the system
 * service), serving the files of deploy/nginx with the caller's ports:
 *
 *   // deploy/nginx/collector.conf as shipped: TLS on `port`, redirects on `httpPort`
 *   const proxy = await startNginx({ upstreams: [8787], port: 8443, tls: { cert, key, httpPort: 8080 } });
 *   // the shipped upstream and rejoiner-proxy.conf in a plain-HTTP server (multi-node test)
 *   const proxy = await startNginx({ upstreams: [8791, 8792], port: 8790 });   // proxy.url, proxy.stop()
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
export const COLLECTOR_CONF = join(ROOT, 'deploy', 'nginx', 'collector.conf');
export const PROXY_CONF = join(ROOT, 'deploy', 'nginx', 'rejoiner-proxy.conf');

export function findNginx() {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (!binary) throw new Error('nginx is not installed: apt-get install -y nginx (npm test installs it when run as root)');
  return binary;
}

/**
 * deploy/nginx/collector.conf with these upstream ports, listen ports and certificate, including
 * `proxyConf` (the shipped rejoiner-proxy.conf, copied by the caller). Without `tls`, only its
 * upstream is kept and served by a plain-HTTP server that includes the same proxy rules.
 */
export function collectorConf(upstreams, port, proxyConf, tls) {
  const conf = readFileSync(COLLECTOR_CONF, 'utf8');
  const servers = upstreams.map((upstream) => `    server 127.0.0.1:${upstream} max_fails=1 fail_timeout=2s;`).join('\n');
  const withUpstreams = conf.replace(/(upstream rejoiner_collectors \{\n(?:\s*#.*\n)*)(?:\s*server .*\n)+/, `$1${servers}\n`);
  if (!tls) {
    const upstream = withUpstreams.match(/upstream rejoiner_collectors \{[^}]*\}/)[0];
    return `${upstream}\nserver {\n    listen 127.0.0.1:${port};\n    include ${proxyConf};\n}\n`;
  }
  const replaced = withUpstreams
    .replace(/listen 80;/, `listen 127.0.0.1:${tls.httpPort};`)
    .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${port} ssl http2;`)
    .replace(/ssl_certificate \S+;/, `ssl_certificate ${tls.cert};`)
    .replace(/ssl_certificate_key \S+;/, `ssl_certificate_key ${tls.key};`)
    .replace(/include rejoiner-proxy\.conf;/, `include ${proxyConf};`)
    .replace(/root \/var\/www\/letsencrypt;/, `root ${tls.acmeRoot ?? '/var/www/letsencrypt'};`);
  for (const expected of [tls.httpPort, port, tls.cert, tls.key, proxyConf, tls.acmeRoot ?? '/var/www/letsencrypt'])
    if (!replaced.includes(String(expected))) throw new Error(`deploy/nginx/collector.conf changed shape: ${expected} not placed`);
  return replaced;
}

const waitForPort = (port, deadline) =>
  new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });

export async function startNginx({ upstreams, port, tls }) {
  const binary = findNginx();
  const dir = mkdtempSync(join(tmpdir(), 'rejoiner-nginx-'));
  for (const sub of ['logs', 'temp']) mkdirSync(join(dir, sub));
  const asRoot = process.getuid?.() === 0;
  const main = `
${asRoot ? 'user root;' : ''}
worker_processes 1;
error_log ${join(dir, 'logs', 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'temp', 'body')};
  proxy_temp_path ${join(dir, 'temp', 'proxy')};
  fastcgi_temp_path ${join(dir, 'temp', 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'temp', 'uwsgi')};
  scgi_temp_path ${join(dir, 'temp', 'scgi')};
  include ${join(dir, 'collector.conf')};
}
`;
  writeFileSync(join(dir, 'rejoiner-proxy.conf'), readFileSync(PROXY_CONF));
  writeFileSync(join(dir, 'collector.conf'), collectorConf(upstreams, port, join(dir, 'rejoiner-proxy.conf'), tls));
  writeFileSync(join(dir, 'nginx.conf'), main);
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await Promise.race([waitForPort(port, Date.now() + 10_000), exited.then(() => Promise.reject(new Error(`nginx exited: ${log}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    dir,
    errorLog: () => (existsSync(join(dir, 'logs', 'error.log')) ? readFileSync(join(dir, 'logs', 'error.log'), 'utf8') : ''),
    async stop() {
      child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
