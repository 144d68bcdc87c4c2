/**
 * A merchant's webhook receiver on a loopback port, for tests: records every request as it
 * arrived (raw body and headers) and answers what the test scripts, one answer per request in
 * order (then 200): a status with headers, or a hang longer than the collector's timeout.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  // Tests read a payload's fields as the docs name them, like the conformance tests read JSON answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: { id: string; type: string; created_at: string; site: string; data: Record<string, any> };
  /** The status this receiver answered (null: it never answered). */
  answered: number | null;
}

/** A status (once `hold` settles, to keep an attempt in flight meanwhile), or a hang with no answer at all. */
export type ScriptedAnswer = { status: number; headers?: Record<string, string>; hold?: Promise<unknown> } | { hangMs: number };

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order. */
  script(...answers: ScriptedAnswer[]): void;
  /** Deliveries this receiver acknowledged (2xx). */
  acknowledged(): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hooks/rejoiner'): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const answers: ScriptedAnswer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedWebhook = { headers: req.headers, rawBody, body: JSON.parse(rawBody), answered: null };
      received.push(entry);
      const answer = answers.shift() ?? { status: 200 };
      if ('hangMs' in answer) {
        const timer = setTimeout(() => res.destroy(), answer.hangMs);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      const reply = (): void => {
        entry.answered = answer.status;
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end('ok');
      };
      if (answer.hold) void answer.hold.then(reply);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    script: (...next) => void answers.push(...next),
    acknowledged: () => received.filter((entry) => entry.answered !== null && entry.answered >= 200 && entry.answered < 300),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
