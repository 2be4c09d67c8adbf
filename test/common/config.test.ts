import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/common/config.js';

describe('settings', () => {
  it('builds links from the listen address, the machine name for a wildcard one, or VBS_PUBLIC_URL', () => {
    assert.equal(loadConfig({}).publicUrl, 'http://127.0.0.1:8776');
    assert.equal(loadConfig({ VBS_HOST: '::1', VBS_PORT: '9000' }).publicUrl, 'http://[::1]:9000');
    assert.equal(loadConfig({ VBS_HOST: '0.0.0.0' }).publicUrl, `http://${os.hostname()}:8776`);
    assert.equal(loadConfig({ VBS_HOST: '::' }).publicUrl, `http://${os.hostname()}:8776`);
    assert.equal(loadConfig({ VBS_HOST: '0.0.0.0', VBS_PUBLIC_URL: 'https://vbs.example.test/' }).publicUrl, 'https://vbs.example.test');
  });
});
