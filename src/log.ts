// Structured logger on stderr, with levels: one JSON object per line, or on
// a terminal a line a person reads (time, level, message, key=value).
// Never pass secrets (passwords, keys) in fields.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export type LogFields = Record<string, string | number | boolean | undefined | null>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export const LOG_LEVELS = Object.keys(rank) as readonly LogLevel[];
export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

let threshold: LogLevel = (process.env.NCBGP_LOG_LEVEL as LogLevel | undefined) ?? 'info';
let format: LogFormat = process.stderr.isTTY ? 'text' : 'json';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export function setLogFormat(f: LogFormat): void {
  format = f;
}

/** A field value as text: quoted when it holds a space, a quote or an equals sign. */
const textValue = (v: string | number | boolean | null): string => {
  const s = String(v);
  return s === '' || /[\s"=]/.test(s) ? JSON.stringify(s) : s;
};

/** `12:00:01.234 INFO  message key=value ...` (local time: the terminal's reader's). */
function textLine(time: Date, level: LogLevel, msg: string, fields: LogFields): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const clock = `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}.${pad(time.getMilliseconds(), 3)}`;
  const pairs = Object.entries(fields)
    .filter((e): e is [string, string | number | boolean | null] => e[1] !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`);
  return [clock, level.toUpperCase().padEnd(5), msg, ...pairs].join(' ');
}

export function createLogger(base: LogFields = {}, sink: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (rank[level] < rank[threshold]) return;
    const time = new Date();
    const all = { ...base, ...fields };
    sink((format === 'text' ? textLine(time, level, msg, all) : JSON.stringify({ time: time.toISOString(), level, msg, ...all })) + '\n');
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}

/** --log-format and --log-level of `serve` and `lab`: applied, or the usage error's message. */
export function applyLogOptions(values: { readonly 'log-format'?: string; readonly 'log-level'?: string }): string | undefined {
  const f = values['log-format'];
  const l = values['log-level'];
  if (f !== undefined && !(LOG_FORMATS as readonly string[]).includes(f)) return `--log-format: ${f} is not one of ${LOG_FORMATS.join(', ')}`;
  if (l !== undefined && !(LOG_LEVELS as readonly string[]).includes(l)) return `--log-level: ${l} is not one of ${LOG_LEVELS.join(', ')}`;
  if (f !== undefined) setLogFormat(f as LogFormat);
  if (l !== undefined) setLogLevel(l as LogLevel);
  return undefined;
}

/** The two options, for parseArgs. */
export const LOG_OPTIONS = { 'log-format': { type: 'string' }, 'log-level': { type: 'string' } } as const;
