/** A free TCP port on 127.0.0.1 (for servers the tests and benchmarks start: PostgreSQL, nginx, collectors). */
import { createServer } from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
