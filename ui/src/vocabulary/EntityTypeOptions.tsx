import { useI18n } from '../i18n.ts';
import { ENTITY_TYPES } from '../kg/vocab.ts';

/** The entity types as `<option>`s, labelled in the UI language. */
export function EntityTypeOptions() {
  const { t } = useI18n();
  return (
    <>
      {ENTITY_TYPES.map((x) => (
        <option key={x} value={x}>
          {t(`entityType.${x}`)}
        </option>
      ))}
    </>
  );
}
