import type { Queryable } from '../store/index.ts';

/** Failures counted for one throttle scope and when the last one happened (database clock, epoch ms). */
export interface ScopeFailures {
  failures: number;
  lastMs: number | null;
}

export interface ThrottleState {
  /** Failures against the account from browsers it does not know (24 h, since such a browser last signed in). */
  account: ScopeFailures;
  /** Failures from this client address without a known device (last hour, any account). */
  client: ScopeFailures;
  /** Failures from this known device for this account since it last signed in. */
  device: ScopeFailures;
  /** The database clock, epoch ms. */
  nowMs: number;
}

/** A burst of failures closed: one audit row carries its totals. */
export interface ClosedBurst {
  usernameKey: string;
  ip: string;
  firstAt: string;
  lastAt: string;
  failures: number;
  throttled: number;
  reasons: Record<string, number>;
}

interface BurstRow {
  username_key: string;
  ip: string;
  first_at: Date | string;
  last_at: Date | string;
  failures: number;
  throttled: number;
  reasons: Record<string, number>;
}

const toBurst = (r: BurstRow): ClosedBurst => ({
  usernameKey: r.username_key,
  ip: r.ip,
  firstAt: new Date(r.first_at).toISOString(),
  lastAt: new Date(r.last_at).toISOString(),
  failures: Number(r.failures),
  throttled: Number(r.throttled),
  reasons: r.reasons ?? {},
});

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Sign-in attempts, known devices and failure bursts (migrations 009 and 017). Everything is in the
 * database so any number of API processes throttle alike.
 */
export class LoginAttemptsRepository {
  /** Failure counts of the three scopes in one statement. `device` only when it is known to the account. */
  async state(q: Queryable, k: { usernameKey: string; ip: string; device: string | null }): Promise<ThrottleState> {
    const { rows } = await q.query<Record<string, unknown>>(
      `WITH acc_ok AS (SELECT max(at) AS at FROM auth_login_attempts WHERE username_key = $1 AND ok AND device IS NULL),
            dev_ok AS (SELECT max(at) AS at FROM auth_login_attempts WHERE username_key = $1 AND ok AND device = $3)
       SELECT
         (SELECT count(*) FROM auth_login_attempts a, acc_ok WHERE a.username_key = $1 AND a.device IS NULL AND NOT a.ok AND NOT a.throttled
            AND a.at > greatest(now() - interval '24 hours', coalesce(acc_ok.at, '-infinity'))) AS acc_n,
         (SELECT extract(epoch FROM max(a.at)) * 1000 FROM auth_login_attempts a, acc_ok WHERE a.username_key = $1 AND a.device IS NULL AND NOT a.ok AND NOT a.throttled
            AND a.at > greatest(now() - interval '24 hours', coalesce(acc_ok.at, '-infinity'))) AS acc_last,
         (SELECT count(*) FROM auth_login_attempts WHERE ip = $2 AND device IS NULL AND NOT ok AND NOT throttled AND at > now() - interval '1 hour') AS ip_n,
         (SELECT extract(epoch FROM max(at)) * 1000 FROM auth_login_attempts WHERE ip = $2 AND device IS NULL AND NOT ok AND NOT throttled AND at > now() - interval '1 hour') AS ip_last,
         (SELECT count(*) FROM auth_login_attempts a, dev_ok WHERE $3::text IS NOT NULL AND a.device = $3 AND a.username_key = $1 AND NOT a.ok AND NOT a.throttled
            AND a.at > greatest(now() - interval '24 hours', coalesce(dev_ok.at, '-infinity'))) AS dev_n,
         (SELECT extract(epoch FROM max(a.at)) * 1000 FROM auth_login_attempts a, dev_ok WHERE $3::text IS NOT NULL AND a.device = $3 AND a.username_key = $1 AND NOT a.ok AND NOT a.throttled
            AND a.at > greatest(now() - interval '24 hours', coalesce(dev_ok.at, '-infinity'))) AS dev_last,
         extract(epoch FROM now()) * 1000 AS now_ms`,
      [k.usernameKey, k.ip, k.device],
    );
    const r = rows[0] ?? {};
    return {
      account: { failures: Number(r.acc_n ?? 0), lastMs: num(r.acc_last) },
      client: { failures: Number(r.ip_n ?? 0), lastMs: num(r.ip_last) },
      device: { failures: Number(r.dev_n ?? 0), lastMs: num(r.dev_last) },
      nowMs: Number(r.now_ms),
    };
  }

  async record(q: Queryable, a: { usernameKey: string; ip: string; ok: boolean; device: string | null; throttled?: boolean }): Promise<void> {
    await q.query('INSERT INTO auth_login_attempts (username_key, ip, ok, device, throttled) VALUES ($1, $2, $3, $4, $5)', [
      a.usernameKey,
      a.ip,
      a.ok,
      a.device,
      a.throttled ?? false,
    ]);
  }

  /** Whether the device (cookie hash) has signed in to the account named `usernameKey`. */
  async isKnownDevice(q: Queryable, device: string, usernameKey: string): Promise<boolean> {
    const { rows } = await q.query('SELECT 1 FROM auth_devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1 AND u.username = $2', [device, usernameKey]);
    return rows.length > 0;
  }

  async rememberDevice(q: Queryable, device: string, userId: string): Promise<void> {
    await q.query(
      `INSERT INTO auth_devices (id, user_id) VALUES ($1, $2) ON CONFLICT (id, user_id) DO UPDATE SET last_login_at = now()`,
      [device, userId],
    );
  }

  async forgetDevices(q: Queryable, userId: string): Promise<number> {
    const { rowCount } = await q.query('DELETE FROM auth_devices WHERE user_id = $1', [userId]);
    return rowCount;
  }

  /**
   * Count one failure (or a throttled refusal) into the open burst of (name, client); returns how many
   * events the burst now holds (1 = it just opened).
   */
  async addToBurst(q: Queryable, b: { usernameKey: string; ip: string; reason: string; throttled: boolean }): Promise<number> {
    const { rows } = await q.query<{ events: number | string }>(
      `INSERT INTO auth_failure_bursts AS b (username_key, ip, failures, throttled, reasons)
       VALUES ($1, $2, $3, $4, jsonb_build_object($5::text, 1))
       ON CONFLICT (username_key, ip) DO UPDATE SET
         last_at = now(),
         failures = b.failures + $3,
         throttled = b.throttled + $4,
         reasons = b.reasons || jsonb_build_object($5::text, coalesce((b.reasons ->> $5::text)::int, 0) + 1)
       RETURNING b.failures + b.throttled AS events`,
      [b.usernameKey, b.ip, b.throttled ? 0 : 1, b.throttled ? 1 : 0, b.reason],
    );
    return Number(rows[0]?.events ?? 1);
  }

  /** Close (delete and return) bursts quiet for `gapMs`, or the one of (name, client) when given. */
  async closeBursts(q: Queryable, by: { quietMs: number } | { usernameKey: string; ip: string }): Promise<ClosedBurst[]> {
    const { rows } =
      'quietMs' in by
        ? await q.query<BurstRow>(`DELETE FROM auth_failure_bursts WHERE last_at < now() - ($1::bigint * interval '1 millisecond') RETURNING *`, [by.quietMs])
        : await q.query<BurstRow>('DELETE FROM auth_failure_bursts WHERE username_key = $1 AND ip = $2 RETURNING *', [by.usernameKey, by.ip]);
    return rows.map(toBurst);
  }

  /** Attempts older than the longest window are no longer needed. */
  async purgeOld(q: Queryable): Promise<void> {
    await q.query(`DELETE FROM auth_login_attempts WHERE at < now() - interval '30 days'`);
  }
}
