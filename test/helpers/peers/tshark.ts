// A tshark capture of BGP on loopback for the interop tests (the rules every
// helper of this folder follows are at the top of common.ts).
//
// Quirks seen on this machine (tshark 4.0): it decodes BGP on a port other
// than 179 only with `-d tcp.port==PORT,bgp`; several BGP messages can share
// one frame.
import { join } from 'node:path';
import { awaitReady, cliText, KILL_AFTER_MS, launch, signalPid, tempDir } from './common';

/**
 * libpcap hands dumpcap its packets a block at a time, at the latest after
 * dumpcap's 250 ms read timeout, and SIGINT drops a block not yet handed
 * over: a capture is stopped this long after the last packet it must hold.
 */
const CAPTURE_SETTLE_MS = 1_000;

export interface CaptureOptions {
  /** TCP ports to capture and decode as BGP. */
  ports: number[];
  iface?: 'lo';
}

/** One BGP message of a capture (a frame can carry several). */
export interface CapturedBgpMessage {
  frame: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** RFC 4271 section 4.1 message type: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE, 5 ROUTE-REFRESH */
  type: number;
  /** ROUTE-REFRESH only: 0 request, 1 BoRR, 2 EoRR (RFC 7313 section 3.2) */
  refreshSubtype?: number;
}

export interface Capture {
  pcapPath: string;
  /** Ends the capture (SIGINT by PID, so the file is complete); resolves with the pcap path. Idempotent. */
  stop(): Promise<string>;
  /** Stops the capture if running, then `tshark -r FILE -d tcp.port==P,bgp -Y bgp -T json [-e FIELD...]`: the packets as tshark's JSON. */
  decode(fields?: string[]): Promise<unknown[]>;
  /** Stops the capture if running, then lists every BGP message in it. */
  messages(): Promise<CapturedBgpMessage[]>;
}

/** Starts `tshark -i lo -f 'tcp port X or ...' -w FILE`; resolves once it reports capturing. */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  if (opts.ports.length === 0) throw new Error('startCapture: no ports');
  const dir = tempDir('tshark', () => ({}));
  const pcapPath = join(dir, 'capture.pcapng');
  const filter = opts.ports.map((p) => `tcp port ${p}`).join(' or ');
  const d = launch('tshark', 'tshark', ['-i', opts.iface ?? 'lo', '-f', filter, '-w', pcapPath], dir);
  await awaitReady('tshark', d, () => (/Capturing on/.test(d.output()) ? true : undefined));
  const decodeAs = opts.ports.flatMap((p) => ['-d', `tcp.port==${p},bgp`]);
  let stopped: Promise<void> | undefined;
  // The pcap lives in the temp dir: keep it until the process exits (the
  // `running` safety net removes it then), not when tshark ends.
  const stop = async (): Promise<string> => {
    stopped ??= (async () => {
      await new Promise((r) => setTimeout(r, CAPTURE_SETTLE_MS));
      signalPid(d.pid, 'SIGINT');
      const timer = setTimeout(() => d.exited || signalPid(d.pid, 'SIGKILL'), KILL_AFTER_MS);
      await d.exit;
      clearTimeout(timer);
    })();
    await stopped;
    return pcapPath;
  };
  const read = async (args: string[]): Promise<string> => cliText('tshark', ['-r', await stop(), ...decodeAs, '-Y', 'bgp', ...args]);
  return {
    pcapPath,
    stop,
    decode: async (fields) => JSON.parse((await read(['-T', 'json', ...(fields ?? []).flatMap((f) => ['-e', f])])) || '[]') as unknown[],
    messages: async () => {
      const fields = ['frame.number', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'bgp.type', 'bgp.route_refresh.subtype'];
      const text = await read(['-T', 'fields', ...fields.flatMap((f) => ['-e', f]), '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,']);
      const out: CapturedBgpMessage[] = [];
      for (const line of text.split('\n').filter((l) => l.trim() !== '')) {
        const [frame, src, srcPort, dst, dstPort, types, subtypes] = line.split('\t');
        const refresh = (subtypes ?? '').split(',').filter((s) => s !== '');
        for (const t of types.split(',').filter((s) => s !== '')) {
          const type = Number(t);
          const sub = type === 5 ? refresh.shift() : undefined;
          out.push({ frame: Number(frame), src, srcPort: Number(srcPort), dst, dstPort: Number(dstPort), type, ...(sub !== undefined ? { refreshSubtype: Number(sub) } : {}) });
        }
      }
      return out;
    },
  };
}
