// `npm run bench [-- NAME... [--FLAG...]]`: runs the named benchmarks, or all
// of them; the flags (everything from the first --) go to each.
import { runNetconfBench } from './netconf';

const BENCHES: Record<string, (flags: readonly string[]) => Promise<void>> = {
  netconf: runNetconfBench,
  bgp: async () => (await import('./bgp')).runBgpBench(),
  config: async () => (await import('./config')).runConfigBench(),
  refresh: async () => (await import('./refresh')).runRefreshBench(),
  cli: async () => (await import('./cli')).runCliBench(),
  start: async () => (await import('./start')).runStartBench(),
  push: async (flags) => (await import('./push')).runPushBench(flags),
};

async function main(args: string[]): Promise<void> {
  const firstFlag = args.findIndex((a) => a.startsWith('--'));
  const names = firstFlag < 0 ? args : args.slice(0, firstFlag);
  const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    console.log(`== ${name}`);
    await BENCHES[name](flags);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
