import type { Certainty, EntityType, Predicate } from '../api.ts';
import { Badge } from '../components.tsx';
import { useI18n } from '../i18n.ts';
import { CERTAINTY_TONE, TYPE_COLOURS } from './vocab.ts';

export function CertaintyBadge({ certainty }: { certainty: Certainty }) {
  const { t } = useI18n();
  return (
    <Badge tone={CERTAINTY_TONE[certainty]}>
      <span data-certainty={certainty}>{t(`certainty.${certainty}`)}</span>
    </Badge>
  );
}

/** The predicate as an arrow: "—影像表现→". */
export function PredicateArrow({ predicate }: { predicate: Predicate }) {
  const { t } = useI18n();
  return (
    <span className="pred-arrow" data-predicate={predicate}>
      <span className="pred-line" aria-hidden="true">
        —
      </span>
      <span className="pred-label">{t(`predicate.${predicate}`)}</span>
      <span className="pred-line" aria-hidden="true">
        →
      </span>
    </span>
  );
}

export function TypeDot({ type }: { type: string | null }) {
  const { td } = useI18n();
  const colour = type && type in TYPE_COLOURS ? TYPE_COLOURS[type as EntityType] : 'var(--faint)';
  return <span className="type-dot" style={{ background: colour }} title={type ? td(`entityType.${type}`, type) : undefined} aria-hidden="true" />;
}

export function TypeBadge({ type }: { type: string }) {
  const { td } = useI18n();
  return (
    <span className="type-badge" data-type={type}>
      <TypeDot type={type} />
      {td(`entityType.${type}`, type)}
    </span>
  );
}
