import { useCallback, useEffect, useState } from 'react';
import type { Collection } from '../../../collections/index.ts';
import { request } from '../api.ts';
import { useAuth } from '../security/auth.tsx';

export type CollectionDto = Collection;
export const COLLECTION_ROLES = ['admin', 'director', 'physician', 'technician', 'resident', 'teacher', 'expert'] as const;

const enc = encodeURIComponent;

/** Collections routes (api/collections.routes.ts). */
export const collectionsApi = {
  list: (signal?: AbortSignal) => request<{ items: CollectionDto[] }>('GET', '/api/collections', signal).then((r) => r.items),
  create: (body: { name: string; description: string; roles: string[] }) => request<CollectionDto>('POST', '/api/collections', undefined, body),
  update: (id: string, body: { name?: string; description?: string; roles?: string[] }) => request<CollectionDto>('PATCH', `/api/collections/${enc(id)}`, undefined, body),
  remove: (id: string) => request<CollectionDto>('DELETE', `/api/collections/${enc(id)}`),
  addSources: (id: string, sourceIds: string[]) => request<{ collection: CollectionDto; changed: string[] }>('POST', `/api/collections/${enc(id)}/sources`, undefined, { sourceIds }),
  removeSources: (id: string, sourceIds: string[]) =>
    request<{ collection: CollectionDto; changed: string[] }>('POST', `/api/collections/${enc(id)}/sources/remove`, undefined, { sourceIds }),
};

/** The collections the signed-in user may see (the server decides), with a reload after changes. */
export function useCollections(tick = 0): { items: CollectionDto[] | null; error: unknown; reload: () => void } {
  const [items, setItems] = useState<CollectionDto[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [n, setN] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick and n are reload triggers
  useEffect(() => {
    const ctl = new AbortController();
    collectionsApi
      .list(ctl.signal)
      .then((l) => {
        setItems(l);
        setError(null);
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      });
    return () => ctl.abort();
  }, [tick, n]);
  return { items, error, reload: useCallback(() => setN((x) => x + 1), []) };
}

const storageKey = (username: string) => `yz.collections.${username}`;

/**
 * The collections a user searches and asks within, remembered per user in this browser. An id that is no longer
 * visible (deleted, or the role changed) is dropped as soon as the list is known, so a stale choice never becomes
 * a 404. Empty: every collection the user can see.
 */
export function useCollectionChoice(): { chosen: string[]; setChosen: (ids: string[]) => void; collections: CollectionDto[] | null } {
  const { user } = useAuth();
  const { items } = useCollections();
  const [chosen, setChosenState] = useState<string[]>(() => {
    try {
      const v = JSON.parse(localStorage.getItem(storageKey(user.username)) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  });
  const setChosen = useCallback(
    (ids: string[]) => {
      setChosenState(ids);
      try {
        localStorage.setItem(storageKey(user.username), JSON.stringify(ids));
      } catch {
        // Private mode or a full store: the choice holds for this page only.
      }
    },
    [user.username],
  );
  const visible = items ? chosen.filter((id) => items.some((c) => c.id === id)) : chosen;
  return { chosen: visible, setChosen, collections: items };
}
