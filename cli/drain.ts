import type { Runtime } from '../runtime/index.ts';
import { progressBar } from './output.ts';

/** Run queued jobs to completion in this process, with a progress bar over the given jobs. */
export async function drainWithProgress(rt: Runtime, jobIds: string[], label: string, show: boolean): Promise<void> {
  const bar = progressBar(label, show);
  bar.start(1);
  const timer = setInterval(async () => {
    const jobs = await Promise.all(jobIds.map((id) => rt.jobs.get(id)));
    bar.update(jobs.reduce((n, j) => n + (j?.progressDone ?? 0), 0), Math.max(1, jobs.reduce((n, j) => n + (j?.progressTotal ?? 0), 0)));
  }, 200);
  try {
    await rt.runner.drain();
  } finally {
    clearInterval(timer);
    bar.stop();
  }
  await rt.knowledge.projector.catchUp();
}
