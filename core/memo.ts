/**
 * A pure function of a string, remembered: texts recur (a query's candidates share headings and neighbours; phrases recur
 * across a corpus). The memo is emptied when it holds `limit` results, so memory stays bounded without LRU bookkeeping;
 * results are the function's own (null and undefined included), so callers see no difference but speed.
 */
export function boundedMemo<T>(limit: number, fn: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    if (cache.size >= limit) cache.clear();
    const value = fn(key);
    cache.set(key, value);
    return value;
  };
}
