/**
 * Which part of the knowledge base a caller may read (collections with per-role visibility, issue 14 item 3).
 * The types live here so search, chat and sources can take a scope without importing the collections capability.
 */

/** Who reads: the signed-in principal's role and permissions. */
export interface Viewer {
  role: string;
  permissions: readonly string[];
}

/** The collections a read is limited to, resolved for one viewer and request. */
export interface KnowledgeScope {
  /** Collection ids to read within; null: every source (a manager or a local command without a choice). */
  collectionIds: string[] | null;
  /** The subset of `sourceIds` inside the scope. */
  visible(sourceIds: string[]): Promise<Set<string>>;
}

/** Resolves a viewer's scope (implemented by collections/). */
export interface ScopeResolver {
  /**
   * The scope of `viewer` (null: a local command, which sees everything) narrowed to the `requested`
   * collections (names or ids). A requested collection that does not exist or that the viewer may not see is
   * COLLECTION_NOT_FOUND (404) naming it — the same answer for both, so a hidden collection's name leaks nothing.
   */
  resolve(viewer: Viewer | null, requested?: readonly string[]): Promise<KnowledgeScope>;
}

/** The scope of a caller who may read everything. */
export const UNRESTRICTED: KnowledgeScope = {
  collectionIds: null,
  visible: async (ids) => new Set(ids),
};
