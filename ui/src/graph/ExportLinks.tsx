import { EXPORT_FORMATS, exportUrl } from '../api.ts';
import { useI18n } from '../i18n.ts';

/** Downloads of the reviewed graph (GET /api/graph/export?format=…). */
export function ExportLinks() {
  const { t } = useI18n();
  return (
    <div className="export-links" data-testid="export-links">
      <span className="filter-label">{t('graph.export')}</span>
      {EXPORT_FORMATS.map((f) => (
        <a key={f} href={exportUrl(f)} className="btn btn-small" download data-format={f}>
          {t(`graph.export.${f}`)}
        </a>
      ))}
    </div>
  );
}
