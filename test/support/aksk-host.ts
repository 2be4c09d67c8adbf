/**
 * Sends a signed request to one server under another's name: processes behind one address
 * see the Host the client signed, which fetch cannot set.
 */
import http from 'node:http';
import type { PreparedRequest } from './aksk.js';
import type { Reply } from './server.js';

export function sendTo(serverUrl: string, host: string, prepared: PreparedRequest): Promise<Reply> {
  const target = new URL(prepared.url);
  const base = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method: prepared.method, path: `${target.pathname}${target.search}`, headers: { ...prepared.headers, Host: host } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode ?? 0, headers, body, text });
        });
      },
    );
    req.on('error', reject);
    if (prepared.body !== undefined) req.write(prepared.body);
    req.end();
  });
}
