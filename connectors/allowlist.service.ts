import { AuditLog } from '../audit/index.ts';
import type { Logger } from '../core/index.ts';
import type { Database } from '../store/index.ts';
import { AllowlistRepository } from './allowlist.repository.ts';
import { type AllowEntry, AllowEntryInputSchema, parseInput } from './connector.schema.ts';
import { type AllowRule, type Lookup, NetworkPolicy, parseAllowPattern } from './network-policy.ts';

/**
 * The connector target allow-list (admin-managed) and the network policy built from it. The list is read
 * from the database for every policy, never cached, so all processes apply the same list at once.
 */
export class ConnectorAllowlist {
  private readonly repo: AllowlistRepository;
  private readonly audit = new AuditLog();

  constructor(private readonly deps: { db: Database; log: Logger; lookup?: Lookup }) {
    this.repo = new AllowlistRepository(deps.db);
  }

  list(): Promise<AllowEntry[]> {
    return this.repo.list();
  }

  /** Add a network, address, host name or `*.domain` (stored in canonical form); audited. */
  async allow(input: unknown, actor: string): Promise<AllowEntry> {
    const { pattern, note } = parseInput(AllowEntryInputSchema, input);
    const { canonical } = parseAllowPattern(pattern);
    return this.deps.db.transaction(async (tx) => {
      const entry = await this.repo.add(tx, { pattern: canonical, note, createdBy: actor });
      await this.audit.append(tx, { actor, action: 'connector.change', target: `allowlist:${entry.id}`, details: { op: 'allowlist.add', pattern: canonical, note } });
      return entry;
    });
  }

  /** Remove an entry; audited. Connectors aimed at it fail their next check with NOT_ALLOWED. */
  async disallow(id: number, actor: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const entry = await this.repo.remove(tx, id);
      await this.audit.append(tx, { actor, action: 'connector.change', target: `allowlist:${id}`, details: { op: 'allowlist.remove', pattern: entry.pattern } });
    });
  }

  /** The policy as the list stands now. */
  async policy(): Promise<NetworkPolicy> {
    const rules: AllowRule[] = [];
    for (const e of await this.repo.list()) {
      try {
        rules.push(parseAllowPattern(e.pattern).rule);
      } catch {
        this.deps.log.warn({ pattern: e.pattern }, 'unreadable connector allow-list entry ignored');
      }
    }
    return new NetworkPolicy(rules, this.deps.lookup);
  }
}
