// The receiving engine of the BGP benchmark, in a child process of its own
// (run with --expose-gc): a BgpEngine with one passive MVPN peer configured
// with keep-all-routes. It measures its memory before and after holding the
// peer's routes (Adj-RIB-In + Loc-RIB), and times import soft resets.
import { BgpEngine, EngineConfig, PeerConfig } from '../src/bgp/engine';
import { createLogger } from '../src/log';
import { forkChild, serveChild } from './ipc';

const MVPN = { afi: 1, safi: 5 };

export interface ReceiverOptions {
  readonly localAs: number;
  readonly routerId: string;
  readonly listenAddress: string;
  /** the sending peer */
  readonly peerAddress: string;
  readonly peerAs: number;
}

export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  /** Buffers and other memory outside the V8 heap */
  readonly external: number;
}

export interface Held {
  /** routes in the Adj-RIB-In (pre-policy) */
  readonly received: number;
  /** from the session's establishment to the last route stored, ms */
  readonly ms: number;
  /** after garbage collection */
  readonly memory: Memory;
  readonly timedOut: boolean;
}

export type ImportPolicyName = 'accept-all' | 'reject-all';

export interface ImportRefresh {
  /** from refresh() to 'peer-refresh-complete', ms */
  readonly ms: number;
  readonly status: string;
  readonly completion?: string;
  /** routes accepted by import policy afterwards */
  readonly accepted: number;
}

type ReceiverProtocol = {
  start: { args: ReceiverOptions; result: { port: number; baseline: Memory } };
  hold: { args: { routes: number; timeoutMs: number }; result: Held };
  refresh: { args: { importPolicy: ImportPolicyName }; result: ImportRefresh };
};

export interface ReceiverHandle {
  readonly pid: number;
  readonly port: number;
  /** after garbage collection, before any session */
  readonly baseline: Memory;
  /** waits until the Adj-RIB-In holds `routes` routes */
  hold(routes: number, timeoutMs: number): Promise<Held>;
  /** import soft reset with keep-all-routes after setting the peer's import policy */
  refresh(importPolicy: ImportPolicyName): Promise<ImportRefresh>;
  stop(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions): Promise<ReceiverHandle> {
  const child = forkChild<ReceiverProtocol>(__filename, ['--expose-gc']);
  try {
    const { port, baseline } = await child.call('start', options);
    return {
      pid: child.pid,
      port,
      baseline,
      hold: (routes, timeoutMs) => child.call('hold', { routes, timeoutMs }),
      refresh: (importPolicy) => child.call('refresh', { importPolicy }),
      stop: () => child.stop(),
    };
  } catch (e) {
    await child.stop();
    throw e;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Memory once garbage is collected (needs --expose-gc). */
async function settledMemory(): Promise<Memory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the receiver needs node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

class Receiver {
  private readonly engine = new BgpEngine(createLogger({}, () => undefined));
  private config?: EngineConfig;
  private establishedAt?: number;

  constructor(private readonly options: ReceiverOptions) {
    this.engine.on('peer-state', (_address, _from, to) => {
      if (to === 'established') this.establishedAt = performance.now();
    });
  }

  async start(): Promise<{ port: number; baseline: Memory }> {
    this.config = this.configWith('accept-all');
    await this.engine.apply(this.config);
    return { port: this.engine.listenAddress?.port ?? 0, baseline: await settledMemory() };
  }

  async hold(routes: number, timeoutMs: number): Promise<Held> {
    const deadline = performance.now() + timeoutMs;
    let received = this.received();
    while (received < routes && performance.now() < deadline) {
      await sleep(2);
      received = this.received();
    }
    const ms = performance.now() - (this.establishedAt ?? performance.now());
    return { received, ms, memory: await settledMemory(), timedOut: received < routes };
  }

  async refresh(importPolicy: ImportPolicyName): Promise<ImportRefresh> {
    this.config = this.configWith(importPolicy);
    await this.engine.apply(this.config);
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return new Promise((resolve) => {
      const start = performance.now();
      this.engine.once('peer-refresh-complete', (r) => {
        const ms = performance.now() - start;
        const status = this.engine.peers()[0];
        resolve({ ms, status: r.status, completion: r.completion, accepted: status?.mvpn?.accepted ?? 0 });
      });
      this.engine.refresh({ family: MVPN, selector: { kind: 'address', address: this.options.peerAddress }, direction: 'import' });
    });
  }

  private received(): number {
    return this.engine.peers()[0]?.mvpn?.received ?? 0;
  }

  private configWith(importPolicy: ImportPolicyName): EngineConfig {
    const o = this.options;
    const peer: PeerConfig = {
      address: o.peerAddress,
      remoteAs: o.peerAs,
      remotePort: 179,
      passive: true,
      holdTime: 90,
      connectRetryTime: 1,
      routeRefresh: true,
      enhancedRouteRefresh: true,
      mvpn: { enabled: true, keepAllRoutes: true, importPolicy },
      unicast: { enabled: false, keepAllRoutes: false },
    };
    return {
      localAs: o.localAs,
      routerId: o.routerId,
      listen: { address: o.listenAddress, port: 0 },
      groups: [],
      peers: [peer],
      policies: [
        { name: 'accept-all', terms: [], defaultAction: 'accept' },
        { name: 'reject-all', terms: [], defaultAction: 'reject' },
      ],
      originated: [],
      refresh: { quietPeriodMs: 1000, timeoutMs: 600_000 },
    };
  }
}

if (require.main === module) {
  let receiver: Receiver | undefined;
  const need = (): Receiver => {
    if (!receiver) throw new Error('the receiver is not started');
    return receiver;
  };
  serveChild<ReceiverProtocol>({
    start: (options) => {
      receiver = new Receiver(options);
      return receiver.start();
    },
    hold: ({ routes, timeoutMs }) => need().hold(routes, timeoutMs),
    refresh: ({ importPolicy }) => need().refresh(importPolicy),
  });
}
