/**
 * Cinder reads some query values with Python's ast.literal_eval, so clients send filters such as
 * metadata={'Type': 'work'}. This reads the part of that syntax such values use: dicts, lists and
 * tuples, quoted strings, numbers, True, False and None. Anything else is not a literal.
 */
export class NotALiteral extends Error {}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

export function parsePythonLiteral(text: string): unknown {
  let i = 0;
  const space = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (ch: string) => {
    space();
    if (text[i] !== ch) throw new NotALiteral(`expected ${ch} at ${i}`);
    i++;
  };
  const str = (): string => {
    const quote = text[i++];
    let out = '';
    while (i < text.length && text[i] !== quote) {
      if (text[i] === '\\') {
        const next = text[i + 1];
        out += ESCAPES[next] ?? `\\${next}`;
        i += 2;
      } else out += text[i++];
    }
    if (text[i] !== quote) throw new NotALiteral('unterminated string');
    i++;
    return out;
  };
  const sequence = (close: string, item: () => void) => {
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === ',') {
        i++;
        space();
        if (text[i] === close) return void i++;
        continue;
      }
      return expect(close);
    }
  };
  const value = (): unknown => {
    space();
    const ch = text[i];
    if (ch === "'" || ch === '"') return str();
    if (ch === '{') {
      i++;
      const out: Record<string, unknown> = {};
      sequence('}', () => {
        const key = value();
        expect(':');
        out[String(key)] = value();
      });
      return out;
    }
    if (ch === '[' || ch === '(') {
      i++;
      const out: unknown[] = [];
      sequence(ch === '[' ? ']' : ')', () => out.push(value()));
      return out;
    }
    const word = /^(True|False|None|[-+]?\d+(\.\d+)?)/.exec(text.slice(i));
    if (!word) throw new NotALiteral(`unexpected ${JSON.stringify(ch ?? 'end')} at ${i}`);
    i += word[0].length;
    return word[0] === 'True' ? true : word[0] === 'False' ? false : word[0] === 'None' ? null : Number(word[0]);
  };
  const result = value();
  space();
  if (i !== text.length) throw new NotALiteral(`unexpected text at ${i}`);
  return result;
}
