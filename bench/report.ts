// What every benchmark prints: aligned tables, rates, ratios, target verdicts;
// the stall guard that turns a hang into a failure; a process's CPU time and
// memory.
import { readFileSync } from 'node:fs';

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('   ')).join('\n');
}

export const fmtCount = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtRate = (v: number | undefined): string => (v === undefined ? 'n/a' : `${fmtCount(v)}/s`);
export const fmtRatio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}x`);
export const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');

/** Rejects when `p` has not settled within `stallMs`. */
export function withTimeout<T>(p: Promise<T>, what: string, stallMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stall = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no progress within ${stallMs / 1000} s`)), stallMs)));
  return Promise.race([p, stall]).finally(() => clearTimeout(timer));
}

/** CPU time (user + system) of these processes so far, ms: /proc/PID/stat fields 14 and 15, in ticks of 10 ms. */
export function processCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

/** A field of /proc/PID/status in kB (VmRSS: resident now, VmHWM: its peak). */
export function processStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}
