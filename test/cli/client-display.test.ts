/** The client's pieces a process test cannot watch closely: error envelopes, plain progress lines, tables. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { errorOf } from '../../src/client/errors.js';
import { renderList, renderRecord } from '../../src/client/output.js';
import { progressDisplay } from '../../src/client/progress.js';

describe('vbs client display', () => {
  it("reads each API family's error envelope", () => {
    assert.deepEqual(errorOf({ error: { code: 'VolumeBackup.0027', message: 'no' } }), { code: 'VolumeBackup.0027', message: 'no' });
    assert.deepEqual(errorOf({ itemNotFound: { code: 404, message: 'Backup x could not be found.' } }), { code: null, message: 'Backup x could not be found.' });
    assert.deepEqual(errorOf({ error: { code: 401, title: 'Unauthorized', message: 'bad token' } }), { code: null, message: 'bad token' });
    assert.deepEqual(errorOf({ error_code: 'BackupService.6000', error_msg: 'cbr says no' }), { code: 'BackupService.6000', message: 'cbr says no' });
    assert.equal(errorOf('<html>'), null);
    assert.equal(errorOf({ volumes: [] }), null);
  });

  it('prints plain progress once per tenth and once per status change, not once per poll', () => {
    const stream = new PassThrough();
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString()));
    const display = progressDisplay('backup b1', { stream: stream as unknown as NodeJS.WriteStream, bar: false });
    display.update({ percent: null, status: 'INIT' });
    for (let p = 0; p <= 100; p += 1) display.update({ percent: p, status: p < 100 ? 'RUNNING' : 'SUCCESS' });
    display.stop();
    const lines = out.trim().split('\n');
    assert.equal(lines[0], 'backup b1 INIT');
    assert.equal(lines[1], 'backup b1 0% RUNNING');
    assert.equal(lines.at(-1), 'backup b1 100% SUCCESS');
    assert.equal(lines.length, 12, out);
  });

  it('draws tables, JSON of the API objects and bare values', () => {
    const rows = [
      { id: 'a', name: 'one', status: 'available', extra: { deep: true } },
      { id: 'b', name: null, status: 'error', extra: null },
    ];
    const table = renderList(rows, ['id', 'name', 'status'], { format: 'table', columns: [] });
    assert.equal(table.split('\n')[1], '| id | name | status    |');
    assert.equal(table.split('\n')[4], '| b  |      | error     |');
    assert.deepEqual(JSON.parse(renderList(rows, ['id'], { format: 'json', columns: [] })), rows);
    assert.equal(renderList(rows, ['id'], { format: 'value', columns: ['id', 'status'] }), 'a available\nb error');
    assert.equal(renderRecord(rows[0], { format: 'value', columns: ['extra'] }), '{"deep":true}');
    assert.throws(() => renderRecord(rows[0], { format: 'table', columns: ['nope'] }), /no column nope/);
  });
});
