import { useState } from 'react';
import { useLitT } from './i18n.ts';
import { cronFromSchedule, type Schedule, scheduleFromCron, weekdayName } from './schedule.ts';

const HOURS = Array.from({ length: 24 }, (_, h) => h);
const DAYS = Array.from({ length: 28 }, (_, d) => d + 1);

/** How often a watch runs, chosen from 每天 / 每周 / 每月 at an hour; 自定义 keeps a raw cron for admins who need one. */
export function SchedulePicker({ cron, onChange }: { cron: string; onChange: (cron: string) => void }) {
  const { t, lang } = useLitT();
  // 自定义 is a choice of the person, not of the text: a typed cron that happens to read as 每天 stays editable.
  const [custom, setCustom] = useState(() => scheduleFromCron(cron).kind === 'custom');
  const parsed = scheduleFromCron(cron);
  const s: Schedule = custom ? { kind: 'custom', cron } : parsed;
  const set = (next: Schedule) => onChange(cronFromSchedule(next));
  const hour = parsed.kind === 'custom' ? 3 : parsed.hour;
  const kind = (k: Schedule['kind']) => {
    setCustom(k === 'custom');
    if (k === 'daily') set({ kind: 'daily', hour });
    else if (k === 'weekly') set({ kind: 'weekly', hour, weekday: 1 });
    else if (k === 'monthly') set({ kind: 'monthly', hour, day: 1 });
    else onChange(cron);
  };
  return (
    <div className="schedule-picker" data-testid="schedule-picker">
      <select className="input" name="frequency" value={s.kind} onChange={(e) => kind(e.target.value as Schedule['kind'])} aria-label={t('field.cron')}>
        <option value="daily">{t('schedule.daily')}</option>
        <option value="weekly">{t('schedule.weekly')}</option>
        <option value="monthly">{t('schedule.monthly')}</option>
        <option value="custom">{t('schedule.custom')}</option>
      </select>
      {s.kind === 'weekly' && (
        <select className="input" name="weekday" value={s.weekday} onChange={(e) => set({ ...s, weekday: Number(e.target.value) })} aria-label={t('schedule.weekday')}>
          {[1, 2, 3, 4, 5, 6, 0].map((d) => (
            <option key={d} value={d}>
              {weekdayName(d, lang)}
            </option>
          ))}
        </select>
      )}
      {s.kind === 'monthly' && (
        <select className="input" name="day" value={s.day} onChange={(e) => set({ ...s, day: Number(e.target.value) })} aria-label={t('schedule.day')}>
          {DAYS.map((d) => (
            <option key={d} value={d}>
              {t('schedule.dayN', { n: d })}
            </option>
          ))}
        </select>
      )}
      {s.kind !== 'custom' ? (
        <select className="input" name="hour" value={s.hour} onChange={(e) => set({ ...s, hour: Number(e.target.value) })} aria-label={t('schedule.hour')}>
          {HOURS.map((h) => (
            <option key={h} value={h}>
              {`${String(h).padStart(2, '0')}:00`}
            </option>
          ))}
        </select>
      ) : (
        <input className="input mono" name="cron" value={s.cron} onChange={(e) => onChange(e.target.value)} title={t('field.cronHint')} />
      )}
    </div>
  );
}
