import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { api, type Entity, type EntityType } from '../api.ts';
import { useI18n } from '../i18n.ts';
import { TypeBadge } from './badges.tsx';

/** What a picker shows for its current value; a full Entity also fits. */
export interface EntityBrief {
  id: string;
  nameZh: string;
  nameEn?: string;
  type?: string | null;
}

const DEBOUNCE_MS = 180;

/**
 * Autocomplete over entity names and aliases (GET /api/kg/entities?q=). Arrow keys move, Enter
 * picks, Escape closes; the list is a listbox so screen readers announce the options.
 */
export function EntityPicker({
  id,
  value,
  onChange,
  placeholder,
  type,
  testId,
  autoFocus,
  className,
}: {
  id?: string;
  value: EntityBrief | null;
  onChange: (entity: Entity | null) => void;
  placeholder?: string;
  type?: EntityType;
  testId?: string;
  autoFocus?: boolean;
  className?: string;
}) {
  const { t, lang } = useI18n();
  const listId = useId();
  const label = (e: EntityBrief | null) => (e ? (lang === 'en' && e.nameEn ? e.nameEn : e.nameZh) : '');
  const [text, setText] = useState(label(value));
  const [items, setItems] = useState<Entity[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [loading, setLoading] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const typed = useRef(false);

  // An outside change of the value (a cleared filter, a preset) shows in the box.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the value's identity matters here
  useEffect(() => {
    setText(label(value));
    typed.current = false;
  }, [value?.id, lang]);

  useEffect(() => {
    const q = text.trim();
    if (!typed.current || !q) {
      setItems([]);
      return;
    }
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      setLoading(true);
      api
        .entities({ q, type, limit: 12 }, ctl.signal)
        .then((r) => {
          setItems(r.items);
          setActive(0);
          setOpen(true);
        })
        .catch(() => {
          if (!ctl.signal.aborted) setItems([]);
        })
        .finally(() => {
          if (!ctl.signal.aborted) setLoading(false);
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [text, type]);

  useEffect(() => {
    if (autoFocus) inputRef.current?.focus();
  }, [autoFocus]);

  const pick = (e: Entity) => {
    typed.current = false;
    setText(label(e));
    setOpen(false);
    setItems([]);
    onChange(e);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      setOpen(true);
      setActive((i) => Math.min(items.length - 1, i + 1));
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      setActive((i) => Math.max(0, i - 1));
    } else if (e.key === 'Enter' && open && items[active]) {
      e.preventDefault();
      pick(items[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(false);
    }
  };

  const showList = open && typed.current && text.trim() !== '';
  return (
    <div className={`picker${className ? ` ${className}` : ''}`} data-testid={testId}>
      <input
        ref={inputRef}
        id={id}
        type="text"
        className="input picker-input"
        role="combobox"
        aria-expanded={showList}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={showList && items[active] ? `${listId}-${active}` : undefined}
        autoComplete="off"
        value={text}
        placeholder={placeholder ?? t('kg.entityPlaceholder')}
        maxLength={100}
        onChange={(e) => {
          typed.current = true;
          setText(e.target.value);
          if (!e.target.value && value) onChange(null);
        }}
        onFocus={() => items.length && setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      {value && !typed.current && (
        <button
          type="button"
          className="picker-clear"
          aria-label={t('kg.clearEntity')}
          onClick={() => {
            setText('');
            onChange(null);
            inputRef.current?.focus();
          }}
        >
          ×
        </button>
      )}
      {showList && (
        <div className="picker-list" id={listId} role="listbox">
          {items.length === 0 && <div className="picker-empty muted">{loading ? t('common.loading') : t('kg.noEntity')}</div>}
          {items.map((e, i) => (
            <div
              key={e.id}
              id={`${listId}-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              className={`picker-option${i === active ? ' active' : ''}`}
              data-entity-id={e.id}
              onMouseDown={(ev) => {
                ev.preventDefault();
                pick(e);
              }}
              onMouseEnter={() => setActive(i)}
            >
              <span className="picker-name">{e.nameZh}</span>
              {e.nameEn && <span className="picker-en muted">{e.nameEn}</span>}
              <MatchedAlias entity={e} q={text} />
              <TypeBadge type={e.type} />
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

/** When the match came through an alias (GGO → 磨玻璃结节), say which. */
function MatchedAlias({ entity, q }: { entity: Entity; q: string }) {
  const needle = q.trim().toLowerCase();
  if (!needle || entity.nameZh.toLowerCase().includes(needle) || entity.nameEn.toLowerCase().includes(needle)) return null;
  const alias = entity.aliases.find((a) => a.toLowerCase().includes(needle));
  return alias ? <span className="picker-alias">= {alias}</span> : null;
}
