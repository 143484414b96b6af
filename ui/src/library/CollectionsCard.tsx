import { type FormEvent, useState } from 'react';
import { Badge, ErrorAlert, Loading } from '../components.tsx';
import { Dialog } from '../kg/Dialog.tsx';
import { useSecT } from '../security/i18n.ts';
import { COLLECTION_ROLES, type CollectionDto, collectionsApi } from './collections.ts';
import { useLibT } from './i18n.ts';

/** The roles of a collection in words: 「全部角色」, 「仅管理人员」 or the names. */
export function useRoleNames() {
  const { t } = useLibT();
  const { t: ts } = useSecT();
  return (roles: readonly string[]) => {
    if (COLLECTION_ROLES.every((r) => roles.includes(r))) return t('collections.allRoles');
    if (roles.length === 0) return t('collections.onlyManagers');
    return COLLECTION_ROLES.filter((r) => roles.includes(r)).map((r) => ts(`role.${r}`)).join('、');
  };
}

/**
 * Managing collections (knowledge bases) on the sources page: create, edit, choose who sees each, delete, and jump
 * to a collection's sources. Sources are assigned from the list below (select, then 加入知识库).
 */
export function CollectionsCard({ items, error, onChanged, onShow, active }: {
  items: CollectionDto[] | null;
  error: unknown;
  onChanged: (notice: string) => void;
  onShow: (id: string) => void;
  active: string;
}) {
  const { t } = useLibT();
  const roleNames = useRoleNames();
  const [editing, setEditing] = useState<CollectionDto | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CollectionDto | null>(null);
  const [deleteError, setDeleteError] = useState<unknown>(null);

  const confirmDelete = async () => {
    if (!deleting) return;
    try {
      await collectionsApi.remove(deleting.id);
      onChanged(t('collections.deleted', { name: deleting.name }));
      setDeleting(null);
    } catch (e) {
      setDeleteError(e);
    }
  };

  return (
    <div className="card collections-card" data-testid="collections-card">
      <div className="card-head">
        <h2 className="card-title">{t('collections.title')}</h2>
        <span className="card-head-right">
          <button type="button" className="btn btn-small btn-primary" onClick={() => setEditing('new')} data-testid="collection-new">
            {t('collections.new')}
          </button>
        </span>
      </div>
      <p className="muted small">{t('collections.hint')}</p>
      {error ? <ErrorAlert error={error} /> : null}
      {!items && !error && <Loading />}
      {items && (
        <div className="table-wrap">
          <table className="table collections-table">
            <thead>
              <tr>
                <th>{t('collections.name')}</th>
                <th>{t('collections.description')}</th>
                <th>{t('collections.roles')}</th>
                <th className="num">{t('collections.sources')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-collection={c.name} className={active === c.id ? 'selected' : undefined}>
                  <td className="nowrap">
                    <b>{c.name}</b> {c.isDefault && <Badge tone="blue" title={t('collections.defaultHint')}>{t('collections.default')}</Badge>}
                  </td>
                  <td className="muted small">{c.description}</td>
                  <td className="small" data-col="roles">
                    {roleNames(c.roles)}
                  </td>
                  <td className="num">{c.sourceCount}</td>
                  <td className="nowrap actions-cell">
                    <button type="button" className="btn btn-small btn-link" onClick={() => onShow(c.id)} data-testid="collection-show">
                      {t('collections.showSources')}
                    </button>
                    <button type="button" className="btn btn-small" onClick={() => setEditing(c)} data-testid="collection-edit">
                      {t('collections.editShort')}
                    </button>
                    {!c.isDefault && (
                      <button
                        type="button"
                        className="btn btn-small btn-danger"
                        onClick={() => {
                          setDeleteError(null);
                          setDeleting(c);
                        }}
                        data-testid="collection-delete"
                      >
                        {t('collections.delete')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Dialog open={editing !== null} title={editing === 'new' ? t('collections.new') : t('collections.edit')} onClose={() => setEditing(null)} testId="collection-dialog">
        {editing !== null && (
          <CollectionForm
            initial={editing === 'new' ? null : editing}
            onDone={(c, created) => {
              setEditing(null);
              onChanged(t(created ? 'collections.created' : 'collections.saved', { name: c.name }));
            }}
            onCancel={() => setEditing(null)}
          />
        )}
      </Dialog>
      <Dialog open={deleting !== null} title={t('collections.deleteTitle')} onClose={() => setDeleting(null)} testId="collection-delete-dialog">
        <p>{t('collections.deleteBody', { name: deleting?.name ?? '', n: deleting?.sourceCount ?? 0 })}</p>
        {deleteError ? <ErrorAlert error={deleteError} /> : null}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={() => setDeleting(null)}>
            {t('cancel')}
          </button>
          <button type="button" className="btn btn-danger" onClick={() => void confirmDelete()} data-testid="collection-delete-confirm">
            {t('collections.delete')}
          </button>
        </div>
      </Dialog>
    </div>
  );
}

function CollectionForm({ initial, onDone, onCancel }: { initial: CollectionDto | null; onDone: (c: CollectionDto, created: boolean) => void; onCancel: () => void }) {
  const { t } = useLibT();
  const { t: ts } = useSecT();
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [roles, setRoles] = useState<string[]>(initial?.roles ?? [...COLLECTION_ROLES]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name, description, roles };
      const c = initial ? await collectionsApi.update(initial.id, body) : await collectionsApi.create(body);
      onDone(c, !initial);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="collection-form">
      <label className="field">
        <span>{t('collections.name')}</span>
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} maxLength={60} required data-testid="collection-name" />
      </label>
      <label className="field">
        <span>{t('collections.description')}</span>
        <textarea className="input" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} data-testid="collection-description" />
      </label>
      <fieldset className="plain field">
        <legend>{t('collections.roles')}</legend>
        <div className="role-checks">
          {COLLECTION_ROLES.map((r) => (
            <label key={r} className="check">
              <input
                type="checkbox"
                checked={roles.includes(r)}
                onChange={(e) => setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))}
                data-role={r}
              />
              {ts(`role.${r}`)}
            </label>
          ))}
        </div>
        <p className="muted small">{t('collections.rolesHint')}</p>
      </fieldset>
      {error ? <ErrorAlert error={error} /> : null}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy} data-testid="collection-save">
          {initial ? t('collections.save') : t('collections.create')}
        </button>
      </div>
    </form>
  );
}
