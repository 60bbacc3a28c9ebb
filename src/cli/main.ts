// The `ncbgp` command line (DESIGN.md section 2).

const USAGE = `usage:
  ncbgp serve [--config FILE]     run the server (default: the embedded config, NETCONF on 127.0.0.1:8830)
  ncbgp lab [--peers N] [--routes M] [--config FILE]
                                  run the server and N simulated MVPN peers with M routes each (default 8 x 1000)
  ncbgp refresh mvpn <all|ADDRESS|group NAME|external|internal> <import|export>
        [--host H] [--port P] [--user U] [--password PW | --key FILE] [--json] [--timeout S]
                                  soft reset over NETCONF, peer by peer (also: refresh ipv4-unicast ...)
  ncbgp show peers|sessions [--host H] [--port P] [--user U] [--password PW | --key FILE] [--json]
                                  the peers (state, uptime, capabilities, MVPN routes, last refresh) or the
                                  NETCONF sessions, as a table or JSON
  ncbgp bgp decode <hex>          print a BGP message as JSON (route types by name, RD, sources, groups, attributes)
  ncbgp state check DIR           report on a state directory's files; exit 1 when the server would refuse them
  ncbgp state recover DIR --to-last-good
                                  bring damaged state back to its last good commit, keeping a copy of the damage
  ncbgp yang check [DIR] [--json] compile the YANG modules (default: the server's yang/) with our compiler and,
                                  as a cross-check, yang-js; exit 1 when our compiler fails a module
  ncbgp hash-password             a $6$ hash of a password (asked without echo) for password-hash in the config
  ncbgp --version                 print the version
every command answers --help with its own usage
`;

/** The commands, each module loaded when its command runs: `ncbgp --help` and each command load only what they use. */
const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  serve: async (args) => (await import('./serve')).serveCommand(args),
  lab: async (args) => (await import('./lab')).labCommand(args),
  refresh: async (args) => (await import('./refresh')).refreshCommand(args),
  show: async (args) => (await import('./show')).showCommand(args),
  bgp: async (args) => (await import('./bgp-decode')).bgpDecodeCommand(args),
  state: async (args) => (await import('./state')).stateCommand(args),
  yang: async (args) => (await import('./yang')).yangCommand(args),
  'hash-password': async (args) => (await import('./hash-password')).hashPasswordCommand(args),
};

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === '--version' || command === '-V') {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    // dist/cli/main.js and src/cli/main.ts both stand two levels below the package
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`ncbgp ${pkg.version}\n`);
    return;
  }
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) {
    process.stderr.write(`ncbgp: unknown command ${command}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  await run(rest);
}

main(process.argv.slice(2)).catch(async (e: unknown) => {
  const { ConfigError } = await import('../server/config');
  const message = e instanceof ConfigError ? `config: ${e.message}` : e instanceof Error ? e.message : String(e);
  process.stderr.write(`ncbgp: ${message}\n`);
  process.exit(1);
});
