/**
 * A real S3 server (s3rver on a loopback port, in a temp dir, in a child process: see
 * s3rver-process.ts for why) and a small HTTP proxy in front of it that can answer with
 * failures, for the store tests.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { tempDir } from '../support/server.js';

// The SDK warns once per process that its releases from 2027 need Node 22: noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver's one account. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  /** A new, empty bucket; its name. */
  createBucket(): Promise<string>;
  close(): Promise<void>;
}

let buckets = 0;
const serverScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 's3rver-process.js');

export async function startS3Server(): Promise<S3Server> {
  const directory = tempDir('vbs-s3rver-');
  const child = spawn(process.execPath, ['--openssl-legacy-provider', serverScript, directory], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => {
      fs.rmSync(directory, { recursive: true, force: true });
      reject(new Error(`s3rver exited with ${code} before listening`));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    endpoint,
    async createBucket() {
      buckets += 1;
      const name = `vbs-test-${process.pid}-${buckets}`;
      await admin.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async close() {
      admin.destroy();
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** What the proxy does with one request. */
export type ProxyAction =
  | { kind: 'pass' }
  | { kind: 'answer'; status: number; code?: string }
  | { kind: 'reset' }
  /** Forwards the request but drops both connections after this many bytes of its body. */
  | { kind: 'cut'; afterBytes: number }
  | { kind: 'hang' };

export interface FaultProxy {
  endpoint: string;
  /** Requests seen so far, in order, as "METHOD /path". */
  readonly requests: string[];
  /** Decides the fate of each request; passes everything through until set. */
  plan: (index: number, request: http.IncomingMessage) => ProxyAction;
  close(): Promise<void>;
}

function errorBody(code: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>injected by the test proxy</Message></Error>`;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: string[] = [];
  const proxy: FaultProxy = {
    endpoint: '',
    requests,
    plan: () => ({ kind: 'pass' }),
    close: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const index = requests.length;
    requests.push(`${req.method} ${req.url}`);
    const action = proxy.plan(index, req);
    if (action.kind === 'hang') {
      req.resume();
      return;
    }
    if (action.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (action.kind === 'answer') {
      req.resume();
      req.on('end', () => {
        const body = req.method === 'HEAD' || !action.code ? '' : errorBody(action.code);
        res.writeHead(action.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      });
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    if (action.kind === 'cut') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen > action.afterBytes) {
          forward.destroy();
          req.socket.destroy();
        }
      });
    }
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  proxy.endpoint = `http://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}
