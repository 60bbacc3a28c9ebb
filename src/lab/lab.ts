// `ncbgp lab`: the server and, in the same process, one BGP engine per
// loopback peer of its running configuration, holding real BGP sessions with
// it over loopback and originating MVPN routes. The peers follow the
// running configuration as it is changed over NETCONF.
import { BgpEngine, EngineConfig } from '../bgp/engine';
import { Logger } from '../log';
import { ServerConfig } from '../server/config';
import { RunningServer, startServer } from '../server/server';
import { BgpConfigMapper, bgpOf } from '../services/bgp-config';
import { NS_BGP } from '../services/yang-values';
import { SimulatedPeer, simulatedPeers, UnsimulatedPeer } from './peers';

export interface LabOptions {
  readonly server: ServerConfig;
  /** MVPN routes each simulated peer originates */
  readonly routesPerPeer: number;
  readonly log: Logger;
}

export interface LabStatus {
  readonly peers: number;
  readonly established: number;
  /** MVPN routes the server holds from the simulated peers (Adj-RIB-In, before policy) */
  readonly routesReceived: number;
  /** what it holds once every peer has sent all of its routes */
  readonly routesExpected: number;
}

interface Running {
  readonly peer: SimulatedPeer;
  readonly engine: BgpEngine;
}

/** Only warnings and errors of the simulated peers reach the log. */
function quiet(log: Logger): Logger {
  const drop = (): void => undefined;
  return { debug: drop, info: drop, warn: (m, f) => log.warn(m, f), error: (m, f) => log.error(m, f), child: (fields) => quiet(log.child(fields)) };
}

export class Lab {
  private readonly running = new Map<string, Running>();
  private skipped: UnsimulatedPeer[] = [];
  private listen?: { address: string; port: number };
  private config?: EngineConfig;
  private readonly mapper: BgpConfigMapper;
  /** reconciliations run one after the other */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    readonly server: RunningServer,
    private readonly routesPerPeer: number,
    private readonly log: Logger,
  ) {
    this.mapper = new BgpConfigMapper(server.netconf.schema);
  }

  /** Starts the server, then the simulated peers of its running configuration. */
  static async start(options: LabOptions): Promise<Lab> {
    const server = await startServer(options.server, options.log);
    const lab = new Lab(server, options.routesPerPeer, options.log.child({ component: 'lab' }));
    try {
      await lab.reconcile();
    } catch (e) {
      await lab.stop();
      throw e;
    }
    // once a change to running is made, and only one under `bgp` (the peers it plays)
    server.netconf.datastores.onChange((c) => {
      if (c.datastore === 'running' && c.changes.some((x) => (x.ancestors[0] ?? x.after ?? x.before)?.ns === NS_BGP)) lab.enqueue();
    });
    return lab;
  }

  /** The simulated peers, in the order of the configuration. */
  get peers(): readonly SimulatedPeer[] {
    return [...this.running.values()].map((r) => r.peer);
  }

  /** Configured peers the lab does not play, with the reason. */
  get unsimulated(): readonly UnsimulatedPeer[] {
    return this.skipped;
  }

  /** The server's BGP configuration as the engine runs it (undefined: no `bgp` in running). */
  get serverConfig(): EngineConfig | undefined {
    return this.config;
  }

  /** Where the server's BGP listener is bound. */
  get bgpListen(): { address: string; port: number } | undefined {
    return this.listen;
  }

  /** Sessions and routes as the server sees them. */
  status(): LabStatus {
    const byAddress = new Map(this.server.engine.peers().map((p) => [p.address, p]));
    let established = 0;
    let routesReceived = 0;
    let routesExpected = 0;
    for (const { peer } of this.running.values()) {
      const s = byAddress.get(peer.address);
      if (s?.state === 'established') established++;
      routesReceived += s?.mvpn?.received ?? 0;
      routesExpected += peer.routes;
    }
    return { peers: this.running.size, established, routesReceived, routesExpected };
  }

  /** Resolves true once every simulated peer is Established and all its routes arrived; false after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.status();
      if (s.established === s.peers && s.routesReceived >= s.routesExpected) return true;
      if (this.stopped || Date.now() >= end) return false;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the simulated peers, then the server. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.queue;
    await Promise.all([...this.running.values()].map((r) => r.engine.stop()));
    this.running.clear();
    await this.server.stop();
  }

  private enqueue(): void {
    this.queue = this.queue
      .then(() => this.reconcile())
      .catch((e: unknown) => this.log.error('lab peers do not follow the configuration', { error: e instanceof Error ? e.message : String(e) }));
  }

  /** Makes the simulated peers match the running configuration. */
  private async reconcile(): Promise<void> {
    if (this.stopped) return;
    const bgp = bgpOf(this.server.netconf.datastores.get('running'));
    const config = bgp ? this.mapper.map(bgp) : undefined;
    this.config = config;
    const listen = this.server.engine.listenAddress;
    const listenChanged = listen?.address !== this.listen?.address || listen?.port !== this.listen?.port;
    this.listen = listen;
    const current = new Map([...this.running].map(([address, r]) => [address, r.peer]));
    const plan = config ? simulatedPeers(config, listen, this.routesPerPeer, current) : { peers: [], unsimulated: [] };
    const known = new Set(this.skipped.map((u) => u.address));
    for (const u of plan.unsimulated) if (!known.has(u.address)) this.log.warn('lab does not simulate this peer', { peer: u.address, reason: u.reason });
    this.skipped = plan.unsimulated;
    const wanted = new Map(plan.peers.map((p) => [p.address, p]));
    for (const [address, r] of this.running) {
      if (wanted.has(address)) continue;
      this.running.delete(address);
      await r.engine.stop();
    }
    for (const peer of plan.peers) {
      const r = this.running.get(peer.address);
      // the mapping gives an unchanged peer the same object again
      if (r && r.peer.server === peer.server && !listenChanged) continue;
      const engine = r?.engine ?? new BgpEngine(quiet(this.log.child({ peer: peer.address })));
      this.running.set(peer.address, { peer, engine });
      await engine.apply(peer.config);
    }
  }
}
