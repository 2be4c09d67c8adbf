/**
 * Tokens got from tokens (Keystone's rescoping and renewal) and the answers a token request gets
 * for a scope it may not have: a chain ends when its first token does and is revoked whole, and
 * every refused scope reads alike.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../src/common/clock.js';
import { roleId } from '../../src/services/identity/roles.js';
import { ADMIN_PASSWORD, DB_KINDS, call, projectWithUser, startServer, type Reply, type TestServer } from '../support/server.js';

const TOKENS = '/identity/v3/auth/tokens';

const byPassword = (user: string, password: string, scope?: unknown) => ({
  auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } }, ...(scope === undefined ? {} : { scope }) },
});
const byToken = (token: string, scope?: unknown) => ({ auth: { identity: { methods: ['token'], token: { id: token } }, ...(scope === undefined ? {} : { scope }) } });

async function issue(server: TestServer, body: unknown): Promise<{ token: string; body: Reply['body'] }> {
  const r = await call(server, 'POST', TOKENS, { body });
  assert.equal(r.status, 201, r.text);
  return { token: r.headers.get('x-subject-token')!, body: r.body };
}

for (const db of DB_KINDS) {
  describe(`token chains and scope refusals (${db})`, () => {
    let server: TestServer;
    const clock = new ManualClock(new Date('2026-11-01T10:00:00Z'));
    before(async () => {
      server = await startServer({ db, clock });
    });
    after(async () => server.close());

    it('gives a token got from a token the expiry of the first and the audit chain [own, first]', async () => {
      const first = await issue(server, byPassword('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { name: 'Default' } } }));
      const firstAudit = first.body.token.audit_ids[0];
      assert.deepEqual(first.body.token.audit_ids, [firstAudit]);
      clock.advance(3600 * 1000);
      const renewed = await issue(server, byToken(first.token));
      assert.equal(renewed.body.token.expires_at, first.body.token.expires_at, 'renewal keeps the first expiry');
      assert.equal(renewed.body.token.audit_ids.length, 2);
      assert.notEqual(renewed.body.token.audit_ids[0], firstAudit);
      assert.equal(renewed.body.token.audit_ids[1], firstAudit);
      assert.deepEqual(renewed.body.token.methods.slice().sort(), ['password', 'token']);
      clock.advance(3600 * 1000);
      const unscoped = await issue(server, byToken(renewed.token, 'unscoped'));
      assert.equal(unscoped.body.token.expires_at, first.body.token.expires_at);
      assert.equal(unscoped.body.token.audit_ids[1], firstAudit, 'the chain is named by its first token');
      const rescoped = await issue(server, byToken(unscoped.token, { project: { name: 'admin', domain: { name: 'Default' } } }));
      assert.equal(rescoped.body.token.expires_at, first.body.token.expires_at);
      assert.equal(rescoped.body.token.audit_ids[1], firstAudit);

      // Once the first token's life is over, so is every token got from it.
      clock.advance(22 * 3600 * 1000 + 1000);
      const expired = await call(server, 'GET', `/v3/${server.adminProjectId}/volumes`, { token: rescoped.token });
      assert.equal(expired.status, 401, expired.text);
      const renewAgain = await call(server, 'POST', TOKENS, { body: byToken(rescoped.token) });
      assert.equal(renewAgain.status, 401);
    });

    it('revokes a whole chain: revoking the first token ends those got from it, and revoking one of those ends the first', async () => {
      const login = byPassword('admin', ADMIN_PASSWORD, { project: { name: 'admin', domain: { name: 'Default' } } });
      const works = async (token: string) => (await call(server, 'GET', `/v3/${server.adminProjectId}/volumes`, { token })).status;

      const first = await issue(server, login);
      const child = await issue(server, byToken(first.token));
      const grandchild = await issue(server, byToken(child.token, 'unscoped'));
      const other = await issue(server, login);
      const revoked = await call(server, 'DELETE', TOKENS, { token: first.token, headers: { 'x-subject-token': first.token } });
      assert.equal(revoked.status, 204, revoked.text);
      assert.equal(await works(child.token), 401, 'a token got from a revoked token is revoked');
      const validated = await call(server, 'GET', TOKENS, { token: other.token, headers: { 'x-subject-token': grandchild.token } });
      assert.equal(validated.status, 404, 'so is one got from that one');
      assert.equal((await call(server, 'POST', TOKENS, { body: byToken(child.token) })).status, 401, 'and none can be renewed');
      assert.equal(await works(other.token), 200, 'a token of another login is not of the chain');

      const second = await issue(server, login);
      const derived = await issue(server, byToken(second.token));
      const sibling = await issue(server, byToken(second.token));
      assert.equal((await call(server, 'DELETE', TOKENS, { token: derived.token, headers: { 'x-subject-token': derived.token } })).status, 204);
      assert.equal(await works(second.token), 401, 'revoking a derived token revokes the chain it belongs to');
      assert.equal(await works(sibling.token), 401);
      assert.equal(await works(other.token), 200);
    });

    it('answers every scope the user may not have with one 401 message that names nothing', async () => {
      const foreign = await projectWithUser(server, 'chain-foreign');
      const mine = await projectWithUser(server, 'chain-mine');
      const disabled = await projectWithUser(server, 'chain-disabled');
      const mineUser = await server.services.identity.userByName(mine.userName);
      await server.services.identityAdmin.grant({ projectId: disabled.projectId, userId: mineUser!.id, roleId: roleId('member') });
      await server.services.identityAdmin.updateProject(disabled.projectId, { enabled: false });
      const scopes: unknown[] = [
        { project: { name: 'chain-foreign', domain: { name: 'Default' } } },
        { project: { name: 'chain-nowhere', domain: { name: 'Default' } } },
        { project: { name: 'chain-mine', domain: { name: 'Nowhere' } } },
        { project: { name: 'chain-mine', domain: { id: 'nowhere' } } },
        { project: { id: foreign.projectId } },
        { project: { id: '0123456789abcdef0123456789abcdef' } },
        { project: { id: disabled.projectId } },
        { domain: { id: 'default' } },
        { domain: { name: 'Nowhere' } },
      ];
      const messages = new Set<string>();
      const ownToken = (await issue(server, byPassword(mine.userName, mine.password))).token;
      for (const scope of scopes) {
        for (const body of [byPassword(mine.userName, mine.password, scope), byToken(ownToken, scope)]) {
          const r = await call(server, 'POST', TOKENS, { body });
          assert.equal(r.status, 401, `${JSON.stringify(scope)}: ${r.text}`);
          assert.equal(r.body.error.code, 401);
          const message = r.body.error.message as string;
          for (const id of [foreign.projectId, disabled.projectId, mine.projectId]) assert.ok(!message.includes(id), `${message} names a project`);
          assert.ok(!/chain-|nowhere/i.test(message), `${message} echoes the request`);
          messages.add(message);
        }
      }
      assert.equal(messages.size, 1, [...messages].join(' | '));
      // The user's own project still answers.
      const ok = await call(server, 'POST', TOKENS, { body: byPassword(mine.userName, mine.password, { project: { name: 'chain-mine', domain: { name: 'Default' } } }) });
      assert.equal(ok.status, 201, ok.text);
    });
  });
}
