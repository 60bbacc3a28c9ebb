// `npm run bench [-- NAME...]`: runs the named benchmarks, or all of them.
import { runNetconfBench } from './netconf';

const BENCHES: Record<string, () => Promise<void>> = {
  netconf: runNetconfBench,
  bgp: async () => (await import('./bgp')).runBgpBench(),
  config: async () => (await import('./config')).runConfigBench(),
  refresh: async () => (await import('./refresh')).runRefreshBench(),
  cli: async () => (await import('./cli')).runCliBench(),
  start: async () => (await import('./start')).runStartBench(),
};

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    console.log(`== ${name}`);
    await BENCHES[name]();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
