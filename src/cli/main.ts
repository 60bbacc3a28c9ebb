// The `ncbgp` command line (DESIGN.md section 2).
import { parseArgs } from 'node:util';
import { bgpDecodeCommand } from './bgp-decode';
import { labCommand } from './lab';
import { refreshCommand } from './refresh';
import { stateCommand } from './state';
import { createLogger } from '../log';
import { ConfigError, loadConfig } from '../server/config';
import { startServer } from '../server/server';

const USAGE = `usage:
  ncbgp serve [--config FILE]     run the server (default: the embedded config, NETCONF on 127.0.0.1:8830)
  ncbgp lab [--peers N] [--routes M] [--config FILE]
                                  run the server and N simulated MVPN peers with M routes each (default 8 x 1000)
  ncbgp refresh mvpn <all|ADDRESS|group NAME|external|internal> <import|export>
        [--host H] [--port P] [--user U] [--password PW | --key FILE] [--json] [--timeout S]
                                  soft reset over NETCONF, peer by peer (also: refresh ipv4-unicast ...)
  ncbgp bgp decode <hex>          print a BGP message as JSON (route types by name, RD, sources, groups, attributes)
  ncbgp state check DIR           report on a state directory's files; exit 1 when the server would refuse them
  ncbgp state recover DIR --to-last-good
                                  bring damaged state back to its last good commit, keeping a copy of the damage
`;

async function serve(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  const log = createLogger({ component: 'ncbgp' });
  const config = loadConfig(values.config);
  const server = await startServer(config, log);
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'lab':
      return labCommand(rest);
    case 'refresh':
      return refreshCommand(rest);
    case 'bgp':
      return bgpDecodeCommand(rest);
    case 'state':
      return stateCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`ncbgp: unknown command ${command}\n${USAGE}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const message = e instanceof ConfigError ? `config: ${e.message}` : e instanceof Error ? e.message : String(e);
  process.stderr.write(`ncbgp: ${message}\n`);
  process.exit(1);
});
