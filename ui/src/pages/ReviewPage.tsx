import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, type BulkResult, type Candidate, type CandidateListDto, type SourceDto } from '../api.ts';
import { ErrorAlert, Loading, useTitle } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { type BulkAction, BulkFilterDialog } from '../review/BulkFilterDialog.tsx';
import { CandidateTable } from '../review/CandidateTable.tsx';
import { EditDialog, type EditPreset } from '../review/EditDialog.tsx';
import { ExtractButton } from '../review/ExtractButton.tsx';
import { filterOf, PAGE_SIZE, type ReviewQuery, readQuery, writeQuery } from '../review/query.ts';
import { RejectDialog } from '../review/RejectDialog.tsx';
import { ResolveDialog, type ResolveTarget } from '../review/ResolveDialog.tsx';
import { ReviewFilters } from '../review/ReviewFilters.tsx';
import { BulkBar, Pager, StatusTabs } from '../review/ReviewToolbar.tsx';
import { ShortcutHelp } from '../review/ShortcutHelp.tsx';
import { useReviewActions } from '../review/useReviewActions.tsx';
import { useShortcuts } from '../review/useShortcuts.ts';
import { useAuth } from '../security/auth.tsx';

/** 审核队列: candidate triples with their evidence, decided one by one, by keyboard, or in bulk. */
export function ReviewPage() {
  const { t } = useI18n();
  useTitle(t('review.title'));
  const [sp, setSp] = useSearchParams();
  const query = useMemo(() => readQuery(sp), [sp]);
  const { user } = useAuth();
  const filter = useMemo(() => filterOf(query, user.username), [query, user.username]);
  const update = useCallback((patch: Partial<ReviewQuery>) => setSp(writeQuery({ ...query, ...patch })), [query, setSp]);

  const [data, setData] = useState<CandidateListDto | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const [sources, setSources] = useState<SourceDto[]>([]);
  const [cursor, setCursor] = useState(0);
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<{ candidate: Candidate; preset?: EditPreset } | null>(null);
  const [rejecting, setRejecting] = useState<{ ids: string[]; summary?: string; version?: number } | null>(null);
  const [resolving, setResolving] = useState<ResolveTarget | null>(null);
  const [bulkAction, setBulkAction] = useState<BulkAction | null>(null);
  const [help, setHelp] = useState(false);

  useEffect(() => {
    const ctl = new AbortController();
    api
      .sources({ limit: 500 }, ctl.signal)
      .then((r) => setSources(r.items))
      .catch(() => {});
    return () => ctl.abort();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is the reload trigger
  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    api
      .candidates({ ...filter, status: query.status, limit: PAGE_SIZE, offset: query.offset }, ctl.signal)
      .then((r) => {
        setData(r);
        setError(null);
        setCursor((c) => Math.max(0, Math.min(c, r.items.length - 1)));
      })
      .catch((e) => {
        if (!ctl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctl.signal.aborted) setLoading(false);
      });
    return () => ctl.abort();
  }, [filter, query.status, query.offset, tick]);

  // A new tab, filter or page starts at the top with nothing ticked.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on query change only
  useEffect(() => {
    setCursor(0);
    setChecked(new Set());
  }, [query]);

  const actions = useReviewActions(reload);
  const items = data?.items ?? [];
  const current = items[cursor] as Candidate | undefined;
  const pendingTab = query.status === 'pending';

  const toggle = (set: ReadonlySet<string>, id: string, on?: boolean) => {
    const next = new Set(set);
    if (on ?? !next.has(id)) next.add(id);
    else next.delete(id);
    return next;
  };
  const openReject = (c: Candidate) => setRejecting({ ids: [c.id], summary: actions.tripleText(c), version: c.rowVersion });

  // Keyboard moves bring the selected row into view; clicks and reloads leave the scroll alone.
  const scrollToCursor = useRef(false);
  const move = (delta: number) => {
    scrollToCursor.current = true;
    setCursor((i) => Math.max(0, Math.min(items.length - 1, i + delta)));
  };
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    a: () => current?.status === 'pending' && void actions.approve(current),
    e: () => current?.status === 'pending' && setEditing({ candidate: current }),
    r: () => current?.status === 'pending' && openReject(current),
    x: () => current?.status === 'pending' && setChecked((s) => toggle(s, current.id)),
    h: () => current && setExpanded((s) => toggle(s, current.id)),
    '?': () => setHelp(true),
  });

  useEffect(() => {
    if (!current || !scrollToCursor.current) return;
    scrollToCursor.current = false;
    document.querySelector(`tr.cand-row[data-candidate-id="${CSS.escape(current.id)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  const bulkDone = (r: BulkResult, action: BulkAction) => {
    setBulkAction(null);
    setRejecting(null);
    setChecked(new Set());
    actions.reportBulk(r, action);
  };

  return (
    <section className="page review-page">
      <div className="page-title-row review-head">
        <h1 className="page-title">{t('review.title')}</h1>
        <button type="button" className="btn-link small" onClick={() => setHelp(true)} data-testid="shortcut-hint">
          {t('review.shortcutsHint')}
        </button>
        <div className="review-head-right">
          <ExtractButton />
        </div>
      </div>
      {data && <StatusTabs status={query.status} counts={data.counts} onChange={(status) => update({ status, offset: 0 })} />}
      <div className="card">
        <ReviewFilters query={query} sources={sources} onChange={update} />
      </div>
      {actions.notice}
      {pendingTab && (
        <BulkBar
          selected={checked.size}
          busy={actions.busy !== null}
          onSelected={(action) =>
            action === 'approve'
              ? void actions.bulkIds([...checked], 'approve').then(() => setChecked(new Set()))
              : setRejecting({ ids: [...checked], summary: t('review.selectedCount', { n: checked.size }) })
          }
          onClear={() => setChecked(new Set())}
          onByFilter={setBulkAction}
        />
      )}
      {error ? <ErrorAlert error={error} onRetry={reload} /> : null}
      {!data && !error && <Loading />}
      {data && (
        <div className={`card card-flush${loading ? ' is-loading' : ''}`}>
          <div className="card-head review-count">
            <span className="muted small" data-testid="review-total">
              {t('review.total', { n: data.total })}
            </span>
          </div>
          {items.length === 0 ? (
            <p className="empty-row muted" data-testid="review-empty">
              {pendingTab ? t('review.emptyPending') : t('review.empty')}
            </p>
          ) : (
            <CandidateTable
              items={items}
              cursor={cursor}
              checked={checked}
              expanded={expanded}
              busy={actions.busy}
              errors={actions.errors}
              onSelect={setCursor}
              onCheck={(id, on) => setChecked((s) => toggle(s, id, on))}
              onCheckAll={(on) => setChecked(on ? new Set(items.filter((c) => c.status === 'pending').map((c) => c.id)) : new Set())}
              onAction={(c, action) => {
                if (action === 'approve') void actions.approve(c);
                else if (action === 'override') void actions.approve(c, true);
                else if (action === 'edit') setEditing({ candidate: c });
                else if (action === 'reject') openReject(c);
                else setExpanded((s) => toggle(s, c.id));
              }}
              onResolve={(c, side) => setResolving({ candidate: c, side })}
            />
          )}
          <Pager offset={query.offset} limit={PAGE_SIZE} total={data.total} onPage={(offset) => update({ offset })} />
        </div>
      )}

      <EditDialog
        candidate={editing?.candidate ?? null}
        preset={editing?.preset}
        onClose={() => setEditing(null)}
        onDone={(c) => {
          setEditing(null);
          actions.reportDecision(c);
        }}
      />
      <RejectDialog
        open={rejecting !== null}
        count={rejecting?.ids.length ?? 0}
        summary={rejecting?.summary}
        onClose={() => setRejecting(null)}
        onSubmit={async (comment) => {
          if (!rejecting) return;
          if (rejecting.ids.length === 1) {
            const c = await api.reject(rejecting.ids[0], { comment, expectedVersion: rejecting.version });
            setRejecting(null);
            actions.reportDecision(c);
          } else {
            bulkDone(await api.bulk({ action: 'reject', ids: rejecting.ids, comment }), 'reject');
          }
        }}
      />
      <ResolveDialog
        target={resolving}
        onClose={() => setResolving(null)}
        onUse={(target, entity) => {
          setResolving(null);
          setEditing({ candidate: target.candidate, preset: { [target.side]: entity } });
        }}
        onAliased={(text, entity) => {
          setResolving(null);
          actions.say('success', t('resolve.aliasDone', { text, name: entity.nameZh }));
          reload();
        }}
      />
      <BulkFilterDialog action={bulkAction} filter={filter} onClose={() => setBulkAction(null)} onDone={bulkDone} />
      <ShortcutHelp open={help} onClose={() => setHelp(false)} />
    </section>
  );
}
