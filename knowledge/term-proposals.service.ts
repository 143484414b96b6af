import { z } from 'zod';
import { AuditLog } from '../audit/index.ts';
import { AppError, newId, surfaceKey } from '../core/index.ts';
import type { Database, Queryable } from '../store/index.ts';
import type { CandidatesRepository } from './candidates.repository.ts';
import { type EntitiesRepository, EntityTypeEnum } from './entities.repository.ts';
import type { MergeService } from './merge.service.ts';
import { recordHistory } from './relations.repository.ts';
import type { TermProposal, TermProposalsRepository } from './term-proposals.repository.ts';

/**
 * What a reviewer decides for a proposal: create an entity (a new term; for a synonym, the term with the
 * alias), or make the surface an alias of an existing entity (for a synonym, the entity its term names).
 */
export const TermDecisionSchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('create'),
      type: EntityTypeEnum,
      nameZh: z.string().trim().min(1).max(80).optional(),
      nameEn: z.string().trim().max(120).optional(),
    })
    .strict(),
  z.object({ action: z.literal('alias'), entityId: z.string().min(1).max(100).optional() }).strict(),
]);
export type TermDecision = z.infer<typeof TermDecisionSchema>;

/** Review of vocabulary proposals: each decision is one transaction, audited and recorded on the entity. */
export class TermProposalsService {
  private readonly audit = new AuditLog();

  constructor(
    private readonly db: Database,
    private readonly proposals: TermProposalsRepository,
    private readonly entities: EntitiesRepository,
    private readonly candidates: CandidatesRepository,
    private readonly merges: MergeService,
  ) {}

  async approve(id: string, decision: TermDecision, opts: { actor: string; comment?: string }): Promise<TermProposal> {
    await this.db.transaction(async (tx) => {
      const p = await this.lockPending(tx, id);
      let entityId: string;
      let created = false;
      if (decision.action === 'create') {
        const isSynonym = p.kind === 'synonym';
        const nameZh = decision.nameZh ?? (isSynonym ? (p.target_surface ?? p.surface) : p.surface);
        for (const name of [nameZh, ...(isSynonym ? [p.surface] : [])]) {
          const clash = (await this.entities.byExactSurface(name, tx))[0];
          if (clash) {
            throw new AppError('STATE_CONFLICT', `“${name}”已是 ${clash.nameZh}（${clash.id}）的名称或别名，请改为加入别名 / already names ${clash.id}`, { field: 'action', details: { entityId: clash.id } });
          }
        }
        entityId = newId('ent');
        await this.entities.create(tx, {
          id: entityId, type: decision.type, nameZh, nameEn: decision.nameEn, aliases: isSynonym ? [p.surface] : [], origin: 'review',
        });
        await recordHistory(tx, { entityId, action: 'entity_created', actor: opts.actor, comment: opts.comment, after: { nameZh, type: decision.type, proposalId: id } });
        await this.resolveCandidates(tx, [nameZh, ...(isSynonym ? [p.surface] : [])], entityId);
        created = true;
      } else {
        const target = decision.entityId ?? (p.kind === 'synonym' ? p.target_entity_id ?? (await this.entityNamed(tx, p.target_surface)) : null);
        if (!target) {
          throw new AppError('VALIDATION_FAILED', '请选择要加入别名的实体 / choose the entity the alias belongs to', { field: 'entityId' });
        }
        entityId = await this.entities.canonicalId(target, tx);
        await this.merges.mergeSurfaceIn(tx, p.surface, entityId, { actor: opts.actor, comment: opts.comment ?? `term proposal ${id}` });
      }
      await this.proposals.decide(tx, id, 'approved', opts.actor, { action: decision.action, entityId, created, ...(opts.comment ? { comment: opts.comment } : {}) });
      await this.audit.append(tx, { actor: opts.actor, action: 'vocab.term_approve', target: id, details: { kind: p.kind, surface: p.surface, action: decision.action, entityId } });
    });
    this.merges.changed();
    return (await this.proposals.get(id)) as TermProposal;
  }

  async reject(id: string, opts: { actor: string; comment?: string }): Promise<TermProposal> {
    await this.db.transaction(async (tx) => {
      const p = await this.lockPending(tx, id);
      await this.proposals.decide(tx, id, 'rejected', opts.actor, opts.comment ? { comment: opts.comment } : {});
      await this.audit.append(tx, { actor: opts.actor, action: 'vocab.term_reject', target: id, details: { kind: p.kind, surface: p.surface } });
    });
    return (await this.proposals.get(id)) as TermProposal;
  }

  private async lockPending(tx: Queryable, id: string) {
    const p = await this.proposals.lockForDecision(tx, id);
    if (!p) throw new AppError('NOT_FOUND', `术语提议不存在 / unknown term proposal ${id}`, { field: 'id' });
    if (p.status !== 'pending') throw new AppError('STATE_CONFLICT', `术语提议 ${id} 已处理（${p.status}） / proposal already ${p.status}`, { field: 'id' });
    return p;
  }

  /** The one active entity a name denotes, if exactly one does. */
  private async entityNamed(tx: Queryable, surface: string | null): Promise<string | null> {
    if (!surface) return null;
    const hits = await this.entities.byExactSurface(surface, tx);
    return hits.length === 1 ? hits[0].id : null;
  }

  /** Pending candidates that wrote one of these names (and were left unresolved) now point at the entity. */
  private async resolveCandidates(tx: Queryable, names: readonly string[], entityId: string): Promise<void> {
    for (const name of names) {
      const key = surfaceKey(name);
      if (key) await this.candidates.resolveSurface(tx, key, entityId, surfaceKey);
    }
  }
}
