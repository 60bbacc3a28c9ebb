// Benchmark helpers that run in child processes of their own (a core and a
// heap of their own), driven by the bench process over the IPC channel:
// forkChild() on the bench side, serveChild() in the child.
import { ChildProcess, fork } from 'node:child_process';

/** Operation name -> its argument and result (plain JSON values). */
export type Protocol = Record<string, { args: unknown; result: unknown }>;

type Handlers<P extends Protocol> = { [K in keyof P]: (args: P[K]['args']) => Promise<P[K]['result']> | P[K]['result'] };

interface Request {
  id: number;
  op: string;
  args: unknown;
}

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

export interface Child<P extends Protocol> {
  readonly pid: number;
  call<K extends keyof P & string>(op: K, args: P[K]['args']): Promise<P[K]['result']>;
  /** ends the child: SIGTERM by PID, SIGKILL after 5 s */
  stop(): Promise<void>;
}

/**
 * Forks `file` (a TypeScript module that calls serveChild) with tsx,
 * `execArgv`, and the node options in NCBGP_BENCH_CHILD_NODE_ARGS (for
 * example '--cpu-prof --cpu-prof-dir=/tmp/prof': NODE_OPTIONS refuses those).
 */
export function forkChild<P extends Protocol>(file: string, execArgv: readonly string[] = []): Child<P> {
  const extra = (process.env.NCBGP_BENCH_CHILD_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child: ChildProcess = fork(file, [], { execArgv: ['--import', 'tsx', ...execArgv, ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      for (const p of pending.values()) p.reject(new Error(`${file} exited (${signal ?? code})`));
      pending.clear();
      resolve();
    }),
  );
  child.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(m.error));
    else p?.resolve(m.result);
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? -1,
    call: (op, args) =>
      new Promise((resolve, reject) => {
        if (!running()) return reject(new Error(`${file} is not running`));
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, op, args } satisfies Request);
      }),
    stop: async () => {
      const pid = child.pid;
      if (running() && pid !== undefined) {
        process.kill(pid, 'SIGTERM');
        const timer = setTimeout(() => running() && process.kill(pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** In the child: answers the bench process's calls; ends with it. */
export function serveChild<P extends Protocol>(handlers: Handlers<P>): void {
  const reply = (r: Reply): void => void process.send?.(r);
  process.on('message', (req: Request) => {
    const handler = handlers[req.op] as ((args: unknown) => unknown) | undefined;
    if (!handler) return reply({ id: req.id, error: `unknown operation ${req.op}` });
    Promise.resolve()
      .then(() => handler(req.args))
      .then(
        (result) => reply({ id: req.id, result }),
        (e: unknown) => reply({ id: req.id, error: e instanceof Error ? e.message : String(e) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
