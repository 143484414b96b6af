import type { EntitiesRepository } from '../entities.repository.ts';
import type { Mention } from '../model.ts';

/**
 * Links an extraction job's mentions to entities. Lexicon ids from the extractor are kept (followed through merges);
 * other surfaces are linked only on an exact alias match (reviewer-added aliases included), and an ambiguous surface
 * (one alias naming two entities) stays unresolved for the reviewer.
 *
 * Answers are remembered for the job and fetched a chunk at a time (`prepare`): resolving one mention per statement
 * was a third of a demo ingest's time on the embedded database (≈ 5,000 merge lookups and 1,800 surface lookups).
 */
export class MentionResolver {
  private readonly canonical = new Map<string, string>();
  private readonly surfaces = new Map<string, { id: string; type: string } | null>();

  constructor(private readonly entities: Pick<EntitiesRepository, 'canonicalIds' | 'activeBySurfaces'>) {}

  /** Fetch what `resolve` will need for these mentions and is not remembered yet (two statements at most). */
  async prepare(mentions: readonly Mention[]): Promise<void> {
    const ids = new Set<string>();
    const texts = new Set<string>();
    for (const m of mentions) {
      if (m.entityId) {
        if (!this.canonical.has(m.entityId)) ids.add(m.entityId);
      } else if (!this.surfaces.has(m.text)) texts.add(m.text);
    }
    if (ids.size) {
      const found = await this.entities.canonicalIds([...ids]);
      // A broken merge chain keeps the extractor's id, as before.
      for (const id of ids) this.canonical.set(id, found.get(id) ?? id);
    }
    if (texts.size) {
      for (const [text, hits] of await this.entities.activeBySurfaces([...texts])) this.surfaces.set(text, hits.length === 1 ? hits[0] : null);
    }
  }

  /** The mention linked to its entity; call `prepare` with it first. */
  resolve(m: Mention): Mention {
    if (m.entityId) {
      const canonical = this.canonical.get(m.entityId) ?? m.entityId;
      return canonical === m.entityId ? m : { ...m, entityId: canonical };
    }
    const hit = this.surfaces.get(m.text);
    return hit ? { ...m, entityId: hit.id, type: hit.type } : m;
  }
}
