/** Types of nginx-server.mjs, for the tests that import it. */
export const COLLECTOR_CONF: string;
export function findNginx(): string;
export function collectorConf(upstreams: number[], port: number): string;
export interface NginxServer {
  url: string;
  dir: string;
  errorLog(): string;
  stop(): Promise<void>;
}
export function startNginx(options: { upstreams: number[]; port: number }): Promise<NginxServer>;
