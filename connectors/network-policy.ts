import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../core/index.ts';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [Address, number];

/** Resolves a host name to its addresses (the system resolver; tests pass their own). */
export type Lookup = (host: string) => Promise<Array<{ address: string }>>;

export const systemLookup: Lookup = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Refused whatever the allow-list says, unless an entry names an address or network inside them:
 * link-local (where cloud metadata services live: 169.254.169.254, Tencent 169.254.0.23) and its NAT64 /
 * 6to4 forms, the AWS IPv6 metadata address, Alibaba Cloud's metadata address, "this network" and
 * unspecified addresses (which reach the local host), multicast and broadcast.
 */
const ALWAYS_DENIED: Network[] = [
  '169.254.0.0/16', 'fe80::/10', '64:ff9b::a9fe:0/112', '2002:a9fe::/32', 'fd00:ec2::254/128', '100.100.100.200/32',
  '0.0.0.0/8', '::/128', '224.0.0.0/4', 'ff00::/8', '255.255.255.255/32',
].map((c) => ipaddr.parseCIDR(c));

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** A parsed allow-list entry. */
export type AllowRule = { kind: 'network'; network: Network } | { kind: 'host'; name: string } | { kind: 'domain'; suffix: string };

/**
 * Parse an allow-list pattern: CIDR (`10.0.0.0/8`), one address, a host name, or `*.domain`. Returns
 * the rule and the canonical text to store (a CIDR with its host bits cleared, lower-case names).
 * Throws VALIDATION_FAILED naming `pattern`.
 */
export function parseAllowPattern(pattern: string): { rule: AllowRule; canonical: string } {
  const p = pattern.trim().toLowerCase();
  if (p.includes('/') && ipaddr.isValidCIDR(p) && strictAddress(p.split('/')[0] as string)) {
    const [addr, bits] = ipaddr.parseCIDR(p);
    const base = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(p) : ipaddr.IPv6.networkAddressFromCIDR(p);
    return { rule: { kind: 'network', network: [base, bits] }, canonical: `${base.toString()}/${bits}` };
  }
  if (ipaddr.isValid(p) && !strictAddress(p)) {
    throw new AppError('VALIDATION_FAILED', `请用标准写法填写 IP 地址（如 127.0.0.1）/ write the address in standard form (e.g. 127.0.0.1): ${pattern}`, { field: 'pattern' });
  }
  if (strictAddress(p)) {
    const addr = ipaddr.parse(p);
    const bits = addr.kind() === 'ipv4' ? 32 : 128;
    return { rule: { kind: 'network', network: [addr, bits] }, canonical: `${addr.toString()}/${bits}` };
  }
  if (p.startsWith('*.') && HOST_NAME.test(p.slice(2)) && p.slice(2).includes('.')) return { rule: { kind: 'domain', suffix: p.slice(1) }, canonical: p };
  if (HOST_NAME.test(p)) return { rule: { kind: 'host', name: p }, canonical: p };
  throw new AppError(
    'VALIDATION_FAILED',
    `无效的允许项 ${JSON.stringify(pattern)}：应为网段（10.0.0.0/8）、IP 地址、主机名或 *.域名 / invalid allow-list entry: a CIDR network, an IP address, a host name or *.domain`,
    { field: 'pattern' },
  );
}

/** Only the plain dotted-quad and standard IPv6 forms (no `0x7f.1`-style shorthands). */
function strictAddress(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s) || (s.includes(':') && ipaddr.IPv6.isValid(s));
}

function inNetwork(addr: Address, network: Network): boolean {
  return addr.kind() === network[0].kind() && addr.match(network);
}

/** Where to connect, or why not. `address` is the one that was checked: connect to it, never re-resolve. */
export type TargetDecision =
  | { ok: true; address: string; family: 4 | 6 }
  | { ok: false; reason: 'denied' | 'not-allowed' | 'dns'; detail: string };

/**
 * The connector network policy: a target host is resolved once, every address it resolves to is judged
 * (one in the always-denied ranges refuses the target), and the address connected to must match the
 * allow-list (a network entry, or a host/domain entry naming the host as configured) and lie outside
 * the always-denied ranges unless an entry names an address or network inside them. Callers connect to
 * the returned address (with the host name kept for the HTTP Host header and TLS), so a DNS answer that
 * changes between the check and the connection (DNS rebinding) cannot redirect it.
 */
export class NetworkPolicy {
  constructor(
    private readonly rules: readonly AllowRule[],
    private readonly lookup: Lookup = systemLookup,
  ) {}

  async decide(host: string, timeoutMs: number): Promise<TargetDecision> {
    const name = host.replace(/^\[|\]$/g, '').toLowerCase();
    let candidates: string[];
    if (net.isIP(name)) candidates = [name];
    else {
      try {
        candidates = (await withTimeout(this.lookup(name), timeoutMs)).map((a) => a.address);
      } catch {
        return { ok: false, reason: 'dns', detail: 'host name not resolved' };
      }
    }
    // Every answer is judged: a name that resolves to a denied address among others is hostile (or broken),
    // and is refused as a whole rather than connected through whichever address happens to pass.
    let allowed: Address | null = null;
    for (const text of candidates) {
      if (!ipaddr.isValid(text)) continue;
      const addr = ipaddr.process(text); // IPv4-mapped IPv6 is judged as the IPv4 address it is
      const verdict = this.judge(addr, name);
      if (verdict === 'denied') return { ok: false, reason: 'denied', detail: 'link-local or metadata address' };
      if (verdict === 'allowed') allowed ??= addr;
    }
    return allowed
      ? { ok: true, address: allowed.toString(), family: allowed.kind() === 'ipv4' ? 4 : 6 }
      : { ok: false, reason: 'not-allowed', detail: 'not in the allow-list' };
  }

  private judge(addr: Address, host: string): 'allowed' | 'denied' | 'not-allowed' {
    const networks = this.rules.flatMap((r) => (r.kind === 'network' ? [r.network] : []));
    const danger = ALWAYS_DENIED.find((d) => inNetwork(addr, d));
    if (danger) {
      // Only an entry inside the dangerous range counts as explicitly allowing it (not 0.0.0.0/0).
      const explicit = networks.some((n) => inNetwork(addr, n) && n[1] >= danger[1] && inNetwork(n[0], danger));
      return explicit ? 'allowed' : 'denied';
    }
    if (networks.some((n) => inNetwork(addr, n))) return 'allowed';
    const named = this.rules.some((r) => (r.kind === 'host' && r.name === host) || (r.kind === 'domain' && host.endsWith(r.suffix)));
    return named ? 'allowed' : 'not-allowed';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('lookup timeout')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
