import { useI18n } from '../i18n.ts';
import type { ToolRun } from './turns.ts';

const STATUS_ICON: Record<ToolRun['status'], string> = { ok: '✓', error: '✕', not_configured: '–' };

/**
 * Which tools ran for an answer. Collapsed it still names each tool with its status and time; open, it
 * adds what each one found.
 */
export function ToolsPanel({ tools }: { tools: readonly ToolRun[] }) {
  const { t, td } = useI18n();
  if (tools.length === 0) return null;
  const name = (n: string) => td(`chat.tool.${n}`, n);
  return (
    <details className="tools" data-testid="tools-panel">
      <summary className="tools-summary">
        <span className="tools-label">{t('chat.tools', { n: tools.length })}</span>
        <span className="tools-chips">
          {tools.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the same tool may run twice; runs never reorder
            <span key={i} className={`tool-chip tool-${r.status}`} title={`${t(`chat.toolStatus.${r.status}`)} · ${r.ms} ms`}>
              <span className="tool-icon" aria-hidden="true">
                {STATUS_ICON[r.status]}
              </span>
              {name(r.name)}
            </span>
          ))}
        </span>
      </summary>
      <table className="tools-table">
        <tbody>
          {tools.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: as above
            <tr key={i} data-tool={r.name} data-status={r.status}>
              <td className="tool-name">
                {name(r.name)}
                <code className="tool-id">{r.name}</code>
              </td>
              <td>
                <span className={`status status-${r.status === 'ok' ? 'green' : r.status === 'error' ? 'red' : 'grey'}`}>
                  <span className="status-dot" aria-hidden="true" />
                  {t(`chat.toolStatus.${r.status}`)}
                </span>
              </td>
              <td className="num tool-ms">{r.ms} ms</td>
              <td className="tool-result">{r.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
