import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { listingJson, RenderedViews } from '../../src/http/views/rendered-views.js';

describe('rendered views', () => {
  it('keeps views within their byte budget, the least recently used going first', () => {
    const views = new RenderedViews(10);
    views.put('a', '"aaa"');
    views.put('b', '"bb"');
    assert.equal(views.get('a')?.toString(), '"aaa"', 'a is now the most recently used');
    views.put('c', '"cc"');
    assert.equal(views.get('b'), undefined, 'b, the least recently used, made room');
    assert.equal(views.get('a')?.toString(), '"aaa"');
    assert.equal(views.get('c')?.toString(), '"cc"');
    views.put('c', '"c"');
    assert.equal(views.get('c')?.toString(), '"c"', 'a key put again holds its new view');
    views.put('big', `"${'x'.repeat(20)}"`);
    assert.equal(views.get('a'), undefined);
    assert.equal(views.get('big'), undefined, 'a view larger than the budget is not kept');
  });

  it('counts bytes, not characters, and makes a listing body that parses to its parts', () => {
    const views = new RenderedViews(1024);
    const item = views.put('k', JSON.stringify({ name: 'Ünïcode Ωmega' }));
    assert.equal(item.length, Buffer.byteLength(JSON.stringify({ name: 'Ünïcode Ωmega' })));
    const body = listingJson('backups', [item, Buffer.from('{"name":null}')], [{ href: 'http://h/next', rel: 'next' }], 7);
    assert.deepEqual(JSON.parse(body.toString('utf8')), {
      backups: [{ name: 'Ünïcode Ωmega' }, { name: null }],
      backups_links: [{ href: 'http://h/next', rel: 'next' }],
      count: 7,
    });
    assert.deepEqual(JSON.parse(listingJson('backups', [], undefined, undefined).toString('utf8')), { backups: [] });
  });
});
