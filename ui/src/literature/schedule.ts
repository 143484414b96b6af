/**
 * Watch schedules in words. People pick 「每周一 03:00」; the server stores cron. Only the three shapes the
 * picker makes are read back into it; any other cron (typed by an admin under 自定义) stays as it is.
 */
export type Schedule =
  | { kind: 'daily'; hour: number }
  | { kind: 'weekly'; hour: number; weekday: number }
  | { kind: 'monthly'; hour: number; day: number }
  | { kind: 'custom'; cron: string };

const INT = /^\d{1,2}$/;

export function scheduleFromCron(cron: string): Schedule {
  const f = cron.trim().split(/\s+/);
  if (f.length === 5 && f[0] === '0' && INT.test(f[1]) && Number(f[1]) < 24) {
    const hour = Number(f[1]);
    const [, , dom, month, dow] = f;
    if (dom === '*' && month === '*' && dow === '*') return { kind: 'daily', hour };
    if (dom === '*' && month === '*' && INT.test(dow) && Number(dow) <= 6) return { kind: 'weekly', hour, weekday: Number(dow) };
    if (INT.test(dom) && Number(dom) >= 1 && Number(dom) <= 28 && month === '*' && dow === '*') return { kind: 'monthly', hour, day: Number(dom) };
  }
  return { kind: 'custom', cron };
}

export function cronFromSchedule(s: Schedule): string {
  switch (s.kind) {
    case 'daily':
      return `0 ${s.hour} * * *`;
    case 'weekly':
      return `0 ${s.hour} * * ${s.weekday}`;
    case 'monthly':
      return `0 ${s.hour} ${s.day} * *`;
    case 'custom':
      return s.cron;
  }
}

const WEEKDAYS = { zh: ['周日', '周一', '周二', '周三', '周四', '周五', '周六'], en: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] };

export function weekdayName(d: number, lang: 'zh' | 'en'): string {
  return WEEKDAYS[lang][d] ?? String(d);
}

/** 「每月 1 日 03:00」 / "Monthly on day 1 at 03:00"; a custom cron is shown as it is. */
export function describeSchedule(cron: string, lang: 'zh' | 'en'): string {
  const s = scheduleFromCron(cron);
  if (s.kind === 'custom') return s.cron;
  const at = `${String(s.hour).padStart(2, '0')}:00`;
  if (lang === 'zh') {
    if (s.kind === 'daily') return `每天 ${at}`;
    if (s.kind === 'weekly') return `每${weekdayName(s.weekday, 'zh')} ${at}`;
    return `每月 ${s.day} 日 ${at}`;
  }
  if (s.kind === 'daily') return `Daily at ${at}`;
  if (s.kind === 'weekly') return `Every ${weekdayName(s.weekday, 'en')} at ${at}`;
  return `Monthly on day ${s.day} at ${at}`;
}
