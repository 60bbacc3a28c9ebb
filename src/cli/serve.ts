// `ncbgp serve`: the server on the configuration file given, or the embedded one.
import { parseArgs } from 'node:util';
import { applyLogOptions, createLogger, LOG_OPTIONS } from '../log';
import { loadConfig } from '../server/config';
import { startIdleCollector } from '../server/idle-gc';
import { startServer } from '../server/server';

const SERVE_USAGE = `usage: ncbgp serve [--config FILE] [--log-format json|text] [--log-level LEVEL]
  Runs the NETCONF server and the BGP engine until SIGINT or SIGTERM.
  --config FILE        the configuration (YAML or JSON); without it the embedded default:
                       NETCONF on 127.0.0.1:8830, user admin/admin, state in ./state
  --log-format FORMAT  text (time, level, message, key=value: the default on a terminal)
                       or json (one object per line: the default otherwise)
  --log-level LEVEL    debug, info (default), warn, error or silent
`;

export async function serveCommand(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' }, ...LOG_OPTIONS } }));
  } catch (e) {
    return usageError(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write(SERVE_USAGE);
    return;
  }
  const bad = applyLogOptions(values);
  if (bad !== undefined) return usageError(bad);
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

function usageError(message: string): void {
  process.stderr.write(`ncbgp serve: ${message}\n${SERVE_USAGE}`);
  process.exitCode = 2;
}
