import { Badge } from '../components.tsx';
import type { Run } from './api.ts';
import { useLitT } from './i18n.ts';

const TONE = { running: 'blue', succeeded: 'green', failed: 'red' } as const;

export function RunStatusBadge({ status }: { status: Run['status'] }) {
  const { t } = useLitT();
  return <Badge tone={TONE[status]}>{t(`status.${status}`)}</Badge>;
}
