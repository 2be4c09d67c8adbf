import fs from 'node:fs';
import assert from 'node:assert/strict';
import { call, type TestServer } from './server.js';
import { until } from './wait.js';

export const GiB = 1024 ** 3;

/** Creates a volume through the API and returns its body; fails the test on anything but 202. */
export async function createVolume(server: { url: string }, user: { projectId: string; token: string }, volume: Record<string, unknown>, prefix = 'v3') {
  const r = await call(server, 'POST', `/${prefix}/${user.projectId}/volumes`, { token: user.token, body: { volume } });
  assert.equal(r.status, 202, r.text);
  return r.body.volume;
}

/** Creates a volume and waits until it is available; its id. */
export async function createAvailableVolume(server: { url: string }, user: { projectId: string; token: string }, volume: Record<string, unknown>): Promise<string> {
  const id = (await createVolume(server, user, volume)).id as string;
  await until(`volume ${id} available`, async () => (await call(server, 'GET', `/v3/${user.projectId}/volumes/${id}`, { token: user.token })).body.volume.status === 'available', 30_000);
  return id;
}

export async function createSnapshot(server: TestServer, user: { projectId: string; token: string }, snapshot: Record<string, unknown>) {
  const r = await call(server, 'POST', `/v3/${user.projectId}/snapshots`, { token: user.token, body: { snapshot } });
  assert.equal(r.status, 202, r.text);
  return r.body.snapshot;
}

/** Bytes the file really occupies on disk. */
export function allocatedBytes(file: string): number {
  return fs.statSync(file).blocks * 512;
}

/** Writes `data` into the file at `offset` without changing anything else. */
export function writeAt(file: string, offset: number, data: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, data, 0, data.length, offset);
  } finally {
    fs.closeSync(fd);
  }
}

export function readAt(file: string, offset: number, length: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/** Counts rows of a table through the service's own database handle. */
export async function countRows(server: TestServer, table: 'volumes' | 'snapshots' | 'volume_types' | 'user_messages'): Promise<number> {
  const r = await server.services.database.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}
