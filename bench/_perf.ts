import { readFileSync } from 'node:fs';
import { NetconfClient } from '../src/netconf/client';
const pid = process.argv[2];
const cpu = (p: string) => { const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
(async () => {
  const c = await NetconfClient.connect({ host: '127.0.0.1', port: 18831, username: 'admin', password: 'admin' });
  const q = '<get><filter type="subtree"><netconf-state xmlns="urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring"><statistics/></netconf-state></filter></get>';
  for (let i = 0; i < 2000; i++) await c.rpc(q);
  const s0 = cpu(pid), c0 = process.cpuUsage();
  const t = process.hrtime.bigint();
  const N = 10000;
  for (let i = 0; i < N; i++) await c.rpc(q);
  const dt = Number(process.hrtime.bigint() - t) / 1e9;
  const cu = process.cpuUsage(c0);
  console.log('sequential', Math.round(N / dt), '/s', 'server cpu us/rpc', (cpu(pid) - s0) * 1000 / N, 'client cpu us/rpc', (cu.user + cu.system) / N);
  c.destroy();
})();
