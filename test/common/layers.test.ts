/**
 * The boundary of docs/layers.md, checked on the source text: the layers below the HTTP edge
 * import nothing of it, and the services take typed commands and speak in domain errors only.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

const BELOW_THE_EDGE = ['src/services', 'src/jobs', 'src/engine', 'src/stores', 'src/volumes', 'src/db', 'src/common'];
const DOMAIN = ['src/services', 'src/jobs'];

/** Every line of the files under `dirs` that matches, as "file:line: text". */
function offending(dirs: string[], test: (line: string) => boolean): string[] {
  return dirs.flatMap(sources).flatMap((file) =>
    fs
      .readFileSync(path.join(root, file), 'utf8')
      .split('\n')
      .map((line, i) => ({ line, at: `${file}:${i + 1}: ${line.trim()}` }))
      .filter(({ line }) => !/^\s*(\*|\/\/|\/\*)/.test(line) && test(line))
      .map(({ at }) => at),
  );
}

describe('layers', () => {
  it('finds the source tree', () => {
    assert.ok(sources('src/services').length > 20, 'src/services holds the services');
  });

  it('nothing below the HTTP edge imports from src/http or src/cli', () => {
    const specifier = /\b(?:from|import)\s*\(?\s*'([^']+)'/;
    const bad = BELOW_THE_EDGE.flatMap(sources).flatMap((file) => {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      return text
        .split('\n')
        .map((line) => specifier.exec(line)?.[1])
        .filter((spec): spec is string => spec !== undefined && spec.startsWith('.'))
        .map((spec) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec)))
        .filter((target) => target.startsWith('src/http/') || target.startsWith('src/cli/'))
        .map((target) => `${file} imports ${target}`);
    });
    assert.deepEqual(bad, []);
  });

  it('no service or job throws an ApiError or names an error code, an HTTP status or an API family', () => {
    const bad = offending(DOMAIN, (line) =>
      /\bApiError\b|\bErrorCode\b|\b(VolumeBackup|AutoBackup|common)\.(p\.)?\d{4}\b|\bstatusCode\b|\bstatus: (200|201|202|204|400|401|403|404|409|413)\b|\b[Ff]amily\b|'vbs'|'cinder'/.test(line),
    );
    assert.deepEqual(bad, []);
  });

  it('no public service method takes unknown input', () => {
    // A method or function declaration whose parameters hold `unknown` (a raw body or query);
    // type guards (`value is X`) check unknown values by design.
    const declaration = /^\s*(?:export\s+)?(?:async\s+)?(?:function\s+)?[A-Za-z_]\w*\s*(?:<[^>]*>)?\(([^)]*\bunknown\b[^)]*)\)\s*(?::[^={]+)?\{\s*$/;
    const guard = /\)\s*:\s*\w+\s+is\s+\w+/;
    const bad = offending(['src/services'], (line) => !/^\s*(private|function)\b/.test(line) && declaration.test(line) && !guard.test(line));
    assert.deepEqual(bad, []);
  });
});
