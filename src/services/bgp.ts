// The `bgp` tree of the running datastore drives the BGP engine; the
// engine's state is the `config false` part of ncbgp-bgp.
import type { BgpEngine, EngineConfig } from '../bgp/engine';
import type { Datastores } from '../datastore/store';
import type { Logger } from '../log';
import { ErrorTag, ErrorType, NetconfRpcError } from '../model/rpc-error';
import type { NetconfServer } from '../netconf/server';
import { BgpConfigMapper, bgpOf } from './bgp-config';
import { NS_BGP } from './yang-values';
import { bgpStateProvider } from './bgp-state';

export interface BgpServiceDeps {
  readonly netconf: NetconfServer;
  readonly datastores: Datastores;
  readonly engine: BgpEngine;
  readonly log: Logger;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Applies the running `bgp` configuration to the engine, then every committed change to it. */
export async function startBgpService(deps: BgpServiceDeps): Promise<void> {
  const { netconf, datastores, engine, log } = deps;
  const mapper = new BgpConfigMapper(netconf.schema);
  // what the engine runs: a refused change goes back to it
  let applied: EngineConfig = mapper.map(undefined);

  // a failure here is logged and the server still starts; the next commit of `bgp` is checked again
  try {
    applied = mapper.map(bgpOf(datastores.get('running')));
  } catch (e) {
    log.error('the running BGP configuration cannot be mapped: BGP runs without it', { error: messageOf(e) });
  }
  try {
    await engine.apply(applied);
  } catch (e) {
    log.error('the running BGP configuration could not be applied', { error: messageOf(e) });
  }

  // A configuration the mapping refuses throws its NetconfRpcError (error-path
  // to the node); one the engine cannot run (a listen address that cannot be
  // bound) is operation-failed. Either way the change is rolled back.
  datastores.subscribe(NS_BGP, 'bgp', async (change) => {
    const { config, delta } = mapper.update(applied, bgpOf(change.after), change.changes);
    try {
      await engine.apply(config, delta);
      applied = config;
    } catch (e) {
      log.warn('a BGP configuration change could not be applied', { error: messageOf(e) });
      await engine.apply(applied).catch((err: unknown) => log.error('the previous BGP configuration could not be restored', { error: messageOf(err) }));
      throw new NetconfRpcError({ type: ErrorType.application, tag: ErrorTag.operationFailed, message: `the BGP configuration cannot be applied: ${messageOf(e)}` });
    }
  });

  netconf.registerStateProvider(bgpStateProvider(engine));
  // RFC 8641 on-change: sessions, negotiated capabilities, update groups and the last refresh times change with these
  const changed = (): void => netconf.stateChanged(NS_BGP, 'bgp');
  engine.on('peer-state', changed);
  engine.on('peer-refresh-complete', changed);
}
