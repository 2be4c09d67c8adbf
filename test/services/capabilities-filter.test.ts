import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { satisfies, unmetSpec, type BackendCapabilities } from '../../src/services/backend/file-backend.js';

const caps = { volume_backend_name: 'file', vendor_name: 'Open Source', storage_protocol: 'file', multiattach: true, total_capacity_gb: 100 } as unknown as BackendCapabilities;

describe("extra specs against the file back end's capabilities", () => {
  it("applies Cinder's operators", () => {
    assert.ok(satisfies(true, '<is> True'));
    assert.ok(!satisfies(false, '<is> True'));
    assert.ok(satisfies('file', '<or> nfs <or> file'));
    assert.ok(satisfies(100, '>= 50'));
    assert.ok(!satisfies(100, '<= 50'));
    assert.ok(satisfies('Open Source', 's== Open Source'));
    assert.ok(satisfies('Open Source', 'Open Source'));
    assert.ok(!satisfies('Open Source', 'Closed'));
  });

  it('names the first spec not met; other scopes than capabilities: are not its concern', () => {
    assert.equal(unmetSpec({ storage_protocol: 'file', vendor_name: 'Open Source', 'capabilities:multiattach': '<is> True' }, caps), undefined);
    assert.equal(unmetSpec({ 'RESKEY:availability_zones': 'az1', 'vendor:x': 'y' }, caps), undefined);
    assert.equal(unmetSpec({ storage_protocol: 'iSCSI' }, caps), 'storage_protocol');
    assert.equal(unmetSpec({ no_such_capability: 'x' }, caps), 'no_such_capability');
  });
});
