// GoBGP 3.10 for the side-by-side benchmark (INTEROP.md "BGP peers"):
// gobgpd as a child process of ours (loopback, high ports, temp directory,
// stopped by PID), its routes loaded from an MRT file we write, driven by
// the gobgp CLI only (no gRPC client here).
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeIpv4 } from '../src/bgp/wire/address';
import { encodeAttributes } from '../src/bgp/wire/attributes';
import { encodeIpv4Prefix } from '../src/bgp/wire/nlri';
import { PathAttribute } from '../src/bgp/wire/types';
import { freePort } from '../test/helpers/peers/common';

/** RFC 6396 section 4: MRT type TABLE_DUMP_V2 and its subtypes (section 4.3). */
const TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;
/** RFC 6396 section 4.3.1 Peer Type: bit 1 set, the Peer AS field has 4 octets */
const PEER_TYPE_AS4 = 0x02;

/** The i-th of the benchmark's /24 prefixes: 1.0.0.0/24, 1.0.1.0/24, ... (2^24 of them at most). */
export function benchPrefix(i: number): string {
  const n = 0x01000000 + i * 256;
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.0/24`;
}

/** MRT common header (RFC 6396 section 2): Timestamp (4) | Type (2) | Subtype (2) | Length (4), then the message. */
function mrtRecord(subtype: number, body: Buffer): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  header.writeUInt16BE(TABLE_DUMP_V2, 4);
  header.writeUInt16BE(subtype, 6);
  header.writeUInt32BE(body.length, 8);
  return Buffer.concat([header, body]);
}

/**
 * Writes a TABLE_DUMP_V2 file (RFC 6396 section 4.3) of `n` distinct /24
 * prefixes learned from one peer, all with the same attributes (ORIGIN IGP,
 * AS_PATH `peerAs`, NEXT_HOP `nextHop`): a PEER_INDEX_TABLE, then one
 * RIB_IPV4_UNICAST record per prefix. AS_PATH has 4-octet ASNs in MRT
 * (section 4.3.4).
 */
export async function writeMrtFile(path: string, n: number, peer: { bgpId: string; address: string; as: number }, nextHop: string, repeat = 0): Promise<void> {
  const out = createWriteStream(path);
  // Collector BGP ID (4) | View Name Length (2) | Peer Count (2) | Peer Type (1) | Peer BGP ID (4) | Peer IP (4) | Peer AS (4)
  const index = Buffer.alloc(4 + 2 + 2 + 1 + 4 + 4 + 4);
  writeIpv4(peer.bgpId, index, 0);
  index.writeUInt16BE(0, 4);
  index.writeUInt16BE(1, 6);
  index[8] = PEER_TYPE_AS4;
  writeIpv4(peer.bgpId, index, 9);
  writeIpv4(peer.address, index, 13);
  index.writeUInt32BE(peer.as, 17);
  out.write(mrtRecord(PEER_INDEX_TABLE, index));
  const attributes: PathAttribute[] = [
    { type: 'origin', value: 0 },
    { type: 'as-path', segments: [{ type: 2, asns: [peer.as] }] },
    { type: 'next-hop', address: nextHop },
  ];
  const attrs = Buffer.concat(encodeAttributes(attributes, { fourOctetAs: true }));
  const originated = Math.floor(Date.now() / 1000);
  for (let i = 0; i < n + repeat; i++) {
    const prefix = encodeIpv4Prefix(benchPrefix(i % n));
    // Sequence Number (4) | Prefix Length (1) + Prefix | Entry Count (2) | Peer Index (2) | Originated Time (4) | Attribute Length (2) | Attributes
    const body = Buffer.alloc(4 + prefix.length + 2 + 2 + 4 + 2 + attrs.length);
    body.writeUInt32BE(i, 0);
    let p = 4 + prefix.copy(body, 4);
    body.writeUInt16BE(1, p);
    body.writeUInt16BE(0, p + 2);
    body.writeUInt32BE(originated, p + 4);
    body.writeUInt16BE(attrs.length, p + 8);
    p += 10;
    attrs.copy(body, p);
    if (!out.write(mrtRecord(RIB_IPV4_UNICAST, body))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export interface GobgpOptions {
  readonly as: number;
  readonly routerId: string;
  /** one EBGP neighbor over ipv4-unicast that GoBGP connects to */
  readonly neighbor: { readonly address: string; readonly as: number; readonly port: number };
}

export interface Gobgp {
  readonly pid: number;
  readonly dir: string;
  /** `gobgp -u 127.0.0.1 -p API_PORT ...args`; resolves with stdout */
  cli(args: string[], timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** Whether gobgpd and gobgp are on PATH. */
export function gobgpInstalled(): Promise<boolean> {
  return new Promise((resolve) => execFile('gobgpd', ['--version'], (err) => resolve(!err)));
}

/** Starts gobgpd (connect-retry and idle hold 1 s, pprof off, listening on a high port) and waits until its API answers. */
export async function startGobgp(opts: GobgpOptions): Promise<Gobgp> {
  const dir = mkdtempSync(join(tmpdir(), 'ncbgp-bench-gobgp-'));
  const apiPort = await freePort();
  const bgpPort = await freePort();
  const config = [
    '[global.config]',
    `  as = ${opts.as}`,
    `  router-id = "${opts.routerId}"`,
    `  port = ${bgpPort}`,
    '  local-address-list = ["127.0.0.1"]',
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = "${opts.neighbor.address}"`,
    `    peer-as = ${opts.neighbor.as}`,
    '  [neighbors.timers.config]',
    '    connect-retry = 1',
    '    idle-hold-time-after-reset = 1',
    '  [neighbors.transport.config]',
    `    remote-port = ${opts.neighbor.port}`,
    '  [[neighbors.afi-safis]]',
    '    [neighbors.afi-safis.config]',
    '      afi-safi-name = "ipv4-unicast"',
    '',
  ].join('\n');
  writeFileSync(join(dir, 'gobgpd.toml'), config);
  const proc: ChildProcess = spawn('gobgpd', ['-f', join(dir, 'gobgpd.toml'), '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-p', '-l', 'warn'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const cli = (args: string[], timeoutMs = 600_000): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile('gobgp', ['-u', '127.0.0.1', '-p', String(apiPort), ...args], { timeout: timeoutMs, maxBuffer: 1 << 30 }, (err, stdout, errText) => {
        if (err) reject(new Error(`gobgp ${args.join(' ')}: ${err.message} ${errText}`.trim()));
        else resolve(stdout);
      });
    });
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined) {
      process.kill(proc.pid, 'SIGTERM');
      const timer = setTimeout(() => proc.pid !== undefined && proc.exitCode === null && process.kill(proc.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await cli(['global'], 5000);
      break;
    } catch (e) {
      if (proc.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`gobgpd did not start: ${(e as Error).message} ${stderr}`.trim());
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { pid: proc.pid ?? -1, dir, cli, stop };
}
