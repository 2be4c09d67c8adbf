/**
 * The module graph of src/: every static `import … from` and `export … from` (type-only ones
 * included, since they still tie the two files' designs together). A cycle there means two
 * files cannot be understood, tested or changed one without the other. src/ is kept free of
 * them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** The checkout: the first ancestor of this file holding tsconfig.json and src/. */
function checkoutRoot(): string {
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'tsconfig.json')) && fs.existsSync(path.join(dir, 'src'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no tsconfig.json beside a src/ directory above ${start}`);
  }
}

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Module specifiers of a file's top-level import and export-from declarations. */
export function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const statement of source.statements) {
    const spec = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (spec && ts.isStringLiteral(spec)) out.push(spec.text);
  }
  return out;
}

/** A relative specifier as the file it names (`.js` is how NodeNext spells a `.ts` source); packages and node: modules give undefined. */
function resolve(from: string, spec: string, known: Set<string>): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

type Graph = Map<string, string[]>;

/** The graph, and the relative specifiers that name no file (a graph missing edges would hide cycles). */
export function importGraph(files: Map<string, string>): { graph: Graph; unresolved: string[] } {
  const known = new Set(files.keys());
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const [file, text] of files) {
    const targets: string[] = [];
    for (const spec of specifiersOf(file, text)) {
      const target = resolve(file, spec, known);
      if (target) targets.push(target);
      else if (spec.startsWith('.')) unresolved.push(`${file}: ${spec}`);
    }
    graph.set(file, [...new Set(targets)]);
  }
  return { graph, unresolved };
}

/** Strongly connected components with more than one file, or one that imports itself (Tarjan). */
export function tangles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  // Recursion depth is bounded by the length of the longest import chain: a few dozen.
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

/** A shortest cycle through `start` (inside its component), as the files in import order back to `start`. */
export function cycleThrough(graph: Graph, start: string): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i += 1) {
    const v = queue[i];
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [v];
        for (let p = v; p !== start; p = parent.get(p)!) path.unshift(parent.get(p)!);
        return [...path, start];
      }
      if (!parent.has(w) && w !== start) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return undefined;
}

/** Each component as one line per distinct shortest cycle through its files. */
function describeCycles(graph: Graph, components: string[][], root: string): string[] {
  const lines = new Set<string>();
  for (const component of components) {
    for (const file of component) {
      const cycle = cycleThrough(graph, file);
      if (!cycle) continue;
      // The same cycle found from each of its files: start it at its first file by name.
      const ring = cycle.slice(0, -1);
      const first = ring.indexOf([...ring].sort()[0]);
      const rotated = [...ring.slice(first), ...ring.slice(0, first), ring[first]];
      lines.add(rotated.map((f) => path.relative(root, f)).join(' → '));
    }
  }
  return [...lines].sort();
}

const root = checkoutRoot();
const src = path.join(root, 'src');
const files = new Map(tsFiles(src).map((f) => [f, fs.readFileSync(f, 'utf8')]));
const { graph, unresolved } = importGraph(files);
const components = tangles(graph);

/** Directories whose files may take part in no import cycle. */
const ACYCLIC = ['src/'];

describe('import graph of src/', () => {
  it('reads every kind of import and export-from, type-only ones too', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, d } from './c.js';",
      "import './side-effect.js';",
      "import * as e from './e.js';",
      "export { f } from './f.js';",
      "export type { G } from './g.js';",
      "export * from './h.js';",
      "import {",
      '  i,',
      '  j,',
      "} from './ij.js';",
      "// import z from './commented.js';",
      "const s = \"import y from './in-a-string.js'\";",
      "export const k = 1;",
    ].join('\n');
    assert.deepEqual(specifiersOf('x.ts', text), ['./a.js', './b.js', './c.js', './side-effect.js', './e.js', './f.js', './g.js', './h.js', './ij.js']);
  });

  it('finds cycles, and only cycles', () => {
    const g: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
      ['f', ['d']],
    ]);
    assert.deepEqual(tangles(g), [['a', 'b', 'c'], ['e']]);
    assert.deepEqual(cycleThrough(g, 'b'), ['b', 'c', 'a', 'b']);
    assert.equal(cycleThrough(g, 'd'), undefined);
  });

  it('resolves the relative imports of src/ to its files', () => {
    const engine = path.join(src, 'engine', 'index.ts');
    assert.ok(files.size > 50, `found only ${files.size} files under ${src}`);
    assert.ok((graph.get(engine) ?? []).includes(path.join(src, 'engine', 'repository.ts')));
    assert.deepEqual(unresolved, []);
  });

  it('has no import cycle in src/', () => {
    const guarded = components.filter((c) => c.some((f) => ACYCLIC.some((dir) => path.relative(root, f).startsWith(dir))));
    const found = describeCycles(graph, guarded, root).filter((line) => ACYCLIC.some((dir) => line.includes(dir)));
    assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
  });

  it('keeps the end-user client HTTP only: src/client and the client commands import no service, database or engine', () => {
    /** Where each may reach, by relative import, and which packages it may load. */
    const rules = [
      { dir: 'src/client/', files: ['src/client/'], packages: ['yaml', 'cli-progress'] },
      { dir: 'src/cli/client-commands/', files: ['src/client/', 'src/cli/client-commands/', 'src/cli/help-groups.ts'], packages: ['commander'] },
    ];
    const bad: string[] = [];
    for (const rule of rules) {
      const mine = [...files.keys()].filter((f) => path.relative(root, f).startsWith(rule.dir));
      assert.ok(mine.length > 3, `found only ${mine.length} files under ${rule.dir}`);
      for (const file of mine) {
        const rel = path.relative(root, file);
        for (const target of graph.get(file) ?? []) {
          const to = path.relative(root, target);
          if (!rule.files.some((allowed) => to.startsWith(allowed))) bad.push(`${rel} imports ${to}`);
        }
        for (const spec of specifiersOf(file, files.get(file)!)) {
          if (spec.startsWith('.') || spec.startsWith('node:')) continue;
          if (!rule.packages.includes(spec)) bad.push(`${rel} loads the package ${spec}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });
});
