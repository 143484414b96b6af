import type { Services } from '../runtime/index.ts';
import { progressBar } from './output.ts';

/** Run queued jobs to completion in this process (the graph brought up to date after), with a progress bar over the given jobs. */
export async function drainWithProgress(s: Services, jobIds: string[], label: string, show: boolean): Promise<void> {
  const bar = progressBar(label, show);
  bar.start(1);
  try {
    await s.jobs.drain({ watch: jobIds, onProgress: (done, total) => bar.update(done, total) });
  } finally {
    bar.stop();
  }
}
