// The reference NETCONF server: yuma123 netconfd behind OpenSSH, started by
// the shared anchor script with a key-authenticated user.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { NetconfClient } from '../src/netconf/client';

const SCRIPT = '/work/shared/anchors/netconfd.sh';
export const NETCONFD_PORT = 18830; // the script's default, with its default state directory

export const RPC_ERROR = /<(?:[\w.-]+:)?rpc-error[\s>]/;

export interface Netconfd {
  connect(): Promise<NetconfClient>;
  stop(): void;
}

function stop(): void {
  try {
    execFileSync(SCRIPT, ['stop'], { stdio: 'pipe' });
  } catch {
    // nothing left to stop
  }
}

/** netconfd on 127.0.0.1:NETCONFD_PORT, or why it could not start. */
export function startNetconfd(env: NodeJS.ProcessEnv = process.env): Netconfd | string {
  try {
    const out = execFileSync(SCRIPT, ['start', String(NETCONFD_PORT)], { stdio: 'pipe', encoding: 'utf8', env });
    const user = /user=(\S+)/.exec(out)?.[1];
    const keyFile = /key=(\S+)/.exec(out)?.[1];
    if (!user || !keyFile) throw new Error(`unexpected output: ${out.trim()}`);
    const privateKey = readFileSync(keyFile);
    return { connect: () => NetconfClient.connect({ host: '127.0.0.1', port: NETCONFD_PORT, username: user, privateKey }), stop };
  } catch (e) {
    stop();
    return failure(e);
  }
}

/** The first line of an error, and the last line of the stderr of a command that failed. */
export function failure(e: unknown): string {
  const err = e as Error & { stderr?: Buffer | string };
  return `${err.message.split('\n')[0]}${err.stderr ? ` (${String(err.stderr).trim().split('\n').slice(-1)[0]})` : ''}`;
}
