// `ncbgp serve`: the server on the configuration file given, or the embedded one.
import { parseArgs } from 'node:util';
import { createLogger } from '../log';
import { loadConfig } from '../server/config';
import { startIdleCollector } from '../server/idle-gc';
import { startServer } from '../server/server';

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' } } });
  const log = createLogger({ component: 'ncbgp' });
  const config = loadConfig(values.config);
  const server = await startServer(config, log);
  const idle = startIdleCollector(log);
  const stop = (signal: string): void => {
    log.info('stopping', { signal });
    idle?.stop();
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
