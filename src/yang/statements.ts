// YANG text to its statement tree (RFC 7950 section 6: lexical tokenization,
// quoting and concatenation of arguments, statement syntax of section 6.3),
// and small readers of that tree. The schema tree is compiled from it in
// compile.ts.

export interface Statement {
  readonly keyword: string; // 'prefix:name' for extension statements
  readonly arg?: string;
  readonly children: readonly Statement[];
  readonly line: number;
}

export class YangSyntaxError extends Error {}

/** Parses YANG text into its statement tree (RFC 7950 section 6.1, 6.3). */
export function parseYangStatements(text: string): Statement {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new YangSyntaxError(`line ${line}: ${msg}`);
  };
  const newline = (): void => {
    line++;
    lineStart = i + 1;
  };
  const skip = (): void => {
    while (i < n) {
      const c = text[i];
      if (c === '\n') {
        newline();
        i++;
      } else if (c === ' ' || c === '\t' || c === '\r') {
        i++;
      } else if (c === '/' && text[i + 1] === '/') {
        while (i < n && text[i] !== '\n') i++;
      } else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('unterminated comment');
        for (; i < end; i++) if (text[i] === '\n') newline();
        i = end + 2;
      } else {
        return;
      }
    }
  };
  const isDelimiter = (k: number): boolean => {
    const c = text[k];
    return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ';' || c === '{' || c === '}' || c === '"' || c === "'" || (c === '/' && (text[k + 1] === '/' || text[k + 1] === '*'));
  };
  const unquoted = (): string => {
    const start = i;
    while (i < n && !isDelimiter(i)) i++;
    if (i === start) fail(`unexpected '${text[i] ?? 'end of input'}'`);
    return text.slice(start, i);
  };
  const column = (k: number): number => {
    let col = 0;
    for (let j = lineStart; j < k; j++) col = text[j] === '\t' ? col + 8 - (col % 8) : col + 1;
    return col;
  };
  // Section 6.1.3: continuation lines lose the indentation up to the column
  // after the opening quote; whitespace before a line break is dropped.
  const doubleQuoted = (): string => {
    const indent = column(i) + 1;
    i++;
    const start = i;
    while (i < n && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text[i] === '\n') newline();
      i++;
    }
    if (i >= n) fail('unterminated double-quoted string');
    const raw = text.slice(start, i);
    i++;
    const lines = raw.split('\n');
    const out = lines.map((l, k) => {
      let s = k < lines.length - 1 ? l.replace(/[ \t\r]+$/, '') : l;
      if (k > 0) {
        let col = 0;
        let j = 0;
        while (j < s.length && (s[j] === ' ' || s[j] === '\t') && col < indent) {
          col = s[j] === '\t' ? col + 8 - (col % 8) : col + 1;
          j++;
        }
        s = (col > indent ? ' '.repeat(col - indent) : '') + s.slice(j);
      }
      return s;
    });
    return out.join('\n').replace(/\\([nt"\\])/g, (_m, e: string) => (e === 'n' ? '\n' : e === 't' ? '\t' : e));
  };
  const singleQuoted = (): string => {
    i++;
    const start = i;
    while (i < n && text[i] !== "'") {
      if (text[i] === '\n') newline();
      i++;
    }
    if (i >= n) fail('unterminated single-quoted string');
    return text.slice(start, i++);
  };
  const argument = (): string => {
    if (text[i] !== '"' && text[i] !== "'") return unquoted();
    let s = text[i] === '"' ? doubleQuoted() : singleQuoted();
    for (;;) {
      const save = i;
      const saveLine = line;
      const saveStart = lineStart;
      skip();
      if (text[i] !== '+') {
        i = save;
        line = saveLine;
        lineStart = saveStart;
        return s;
      }
      i++;
      skip();
      if (text[i] === '"') s += doubleQuoted();
      else if (text[i] === "'") s += singleQuoted();
      else fail("a quoted string must follow '+'");
    }
  };
  const statement = (): Statement => {
    const at = line;
    const keyword = unquoted();
    if (!/^([A-Za-z_][\w.-]*:)?[A-Za-z_][\w.-]*$/.test(keyword)) fail(`bad keyword '${keyword}'`);
    skip();
    let arg: string | undefined;
    if (text[i] !== ';' && text[i] !== '{') {
      arg = argument();
      skip();
    }
    const children: Statement[] = [];
    if (text[i] === ';') {
      i++;
    } else if (text[i] === '{') {
      i++;
      for (;;) {
        skip();
        if (i >= n) fail(`'${keyword}' block not closed`);
        if (text[i] === '}') break;
        children.push(statement());
      }
      i++;
    } else {
      fail(`expected ';' or '{' after '${keyword}'`);
    }
    return { keyword, arg, children, line: at };
  };
  skip();
  const root = statement();
  skip();
  if (i < n) fail('text after the module');
  return root;
}

export const sub = (s: Statement, keyword: string): Statement | undefined => s.children.find((c) => c.keyword === keyword);
export const subs = (s: Statement, keyword: string): Statement[] => s.children.filter((c) => c.keyword === keyword);
export const subArg = (s: Statement, keyword: string): string | undefined => sub(s, keyword)?.arg;
