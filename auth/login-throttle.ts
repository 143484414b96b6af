import type { ScopeFailures, ThrottleState } from './login-attempts.repository.ts';

/** Exponential backoff for one scope: `free` failures cost nothing, then each one doubles the wait. */
export interface Backoff {
  free: number;
  baseMs: number;
  maxMs: number;
}

export interface ThrottlePolicy {
  /** Per account, counting attempts from browsers that never signed in to it. */
  account: Backoff;
  /** Per client address, across accounts (unknown devices only). */
  client: Backoff;
  /** Per known device and account: the owner's own typos. */
  device: Backoff;
  /** A burst of failures of one name from one client ends after this quiet time. */
  burstGapMs: number;
}

export const DEFAULT_THROTTLE: ThrottlePolicy = {
  account: { free: 5, baseMs: 1000, maxMs: 15 * 60_000 },
  client: { free: 20, baseMs: 1000, maxMs: 15 * 60_000 },
  device: { free: 5, baseMs: 1000, maxMs: 5 * 60_000 },
  burstGapMs: 15 * 60_000,
};

/** The wait after `failures` failures: 0 within the free allowance, then base·2^(n−free), capped. */
export function backoffMs(failures: number, b: Backoff): number {
  if (failures < b.free) return 0;
  return Math.min(b.baseMs * 2 ** Math.min(failures - b.free, 30), b.maxMs);
}

function waitOf(s: ScopeFailures, b: Backoff, nowMs: number): number {
  if (s.lastMs === null) return 0;
  return Math.max(0, s.lastMs + backoffMs(s.failures, b) - nowMs);
}

/**
 * How long this attempt must wait (ms) and which scope says so. A browser that has signed in to the
 * account before is judged only by its own failures: an attacker hammering the account from elsewhere
 * slows the attacker (per account, per client) but never locks the owner out of a known device.
 */
export function waitFor(state: ThrottleState, knownDevice: boolean, p: ThrottlePolicy): { ms: number; scope: 'account' | 'client' | 'device' | null } {
  if (knownDevice) {
    const ms = waitOf(state.device, p.device, state.nowMs);
    return { ms, scope: ms > 0 ? 'device' : null };
  }
  const account = waitOf(state.account, p.account, state.nowMs);
  const client = waitOf(state.client, p.client, state.nowMs);
  if (account === 0 && client === 0) return { ms: 0, scope: null };
  return account >= client ? { ms: account, scope: 'account' } : { ms: client, scope: 'client' };
}
