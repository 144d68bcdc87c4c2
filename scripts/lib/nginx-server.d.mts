/** Types of nginx-server.mjs, for the tests that import it. */
export const COLLECTOR_CONF: string;
export function findNginx(): string;
export const PROXY_CONF: string;
export interface NginxTls {
  cert: string;
  key: string;
  httpPort: number;
  /** Where ACME's HTTP-01 challenge files are (default: the shipped /var/www/letsencrypt). */
  acmeRoot?: string;
}
export function collectorConf(upstreams: number[], port: number, proxyConf: string, tls?: NginxTls): string;
export interface NginxServer {
  url: string;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}
export function startNginx(options: { upstreams: number[]; port: number; tls?: NginxTls }): Promise<NginxServer>;
