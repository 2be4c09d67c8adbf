/**
 * Runs s3rver (a real S3 server on the local file system) as its own process, silent, on a free
 * loopback port, for the store tests: `node --openssl-legacy-provider s3rver-process.js DIR`.
 * Prints `{"port":N}` once listening; stops when its stdin closes, so it never outlives the test.
 *
 * Three defects of s3rver that real S3 does not have are mended below, so the stores are tested
 * against S3's behaviour rather than the fake's.
 *
 * Why a process of its own: s3rver encrypts its list continuation tokens with DES, which the
 * OpenSSL 3 inside Node 20 offers only with the legacy provider, a flag of the whole process.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { createRequire } from 'node:module';
import type net from 'node:net';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The parts of s3rver's (untyped, CommonJS) API used here. */
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}
interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
  listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
  getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<StoredS3rverObject | null>;
}
interface StoredS3rverObject {
  content: Readable | null;
  metadata: Record<string, string>;
  range?: { start?: number; end?: number };
}
interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}
interface S3rverInstance {
  store: S3rverFilesystemStore;
  run(): Promise<net.AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { address: string; port: number; silent: boolean; directory: string }) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverConstructor;

/**
 * s3rver writes an object in place, so concurrent PUTs of one key mix their bytes and a reader
 * can see a half-written object. S3 makes every PUT atomic; so does this replacement.
 */
function makePutsAtomic(store: S3rverFilesystemStore): void {
  store.putObject = async (object) => {
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.part`;
    const md5 = createHash('md5');
    let size = 0;
    const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, count, fs.createWriteStream(temp));
      await fsp.rename(temp, target);
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/**
 * s3rver pages through keys in directory-walk order, in which key `a/b` comes before key `a`,
 * so a key can fall behind a page boundary and never be listed. S3 lists in key order; so
 * does this replacement (for listings without a delimiter, the only kind the stores use).
 */
function makeListingsOrdered(store: S3rverFilesystemStore): void {
  const walkOrder = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    if (options.delimiter) return walkOrder(bucket, options);
    const all = await walkOrder(bucket, { ...options, startAfter: '', maxKeys: Infinity });
    const startAfter = options.startAfter ?? '';
    const maxKeys = options.maxKeys ?? Infinity;
    const after = all.objects.filter((o) => o.key > startAfter).sort((a, b) => (a.key < b.key ? -1 : 1));
    return { objects: after.slice(0, maxKeys), commonPrefixes: [], isTruncated: after.length > maxKeys };
  };
}

/**
 * s3rver answers a range of an empty object with a Content-Length of 1 and no body, so the
 * client waits until the connection is dropped. S3 answers 416 InvalidRange; so does this.
 */
function makeEmptyRangesUnsatisfiable(store: S3rverFilesystemStore): void {
  const original = store.getObject.bind(store);
  store.getObject = async (bucket, key, options) => {
    const object = await original(bucket, key, options);
    const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
    if (object && ranged && Number(object.metadata['content-length']) === 0) {
      object.content?.destroy();
      object.content = null;
      object.range = { start: options.start, end: options.end };
    }
    return object;
  };
}

async function main(): Promise<void> {
  const directory = process.argv[2];
  if (!directory) throw new Error('usage: s3rver-process.js DIRECTORY');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  makePutsAtomic(server.store);
  makeListingsOrdered(server.store);
  makeEmptyRangesUnsatisfiable(server.store);
  const { port } = await server.run();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    server.close().finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`s3rver failed to start: ${String(err)}\n`);
  process.exit(1);
});
