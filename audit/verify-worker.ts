import { parentPort } from 'node:worker_threads';
import { type BatchResult, type BatchTask, checkBatch } from './verify-batch.ts';

export interface WorkerRequest {
  id: number;
  task: BatchTask;
}
export interface WorkerReply {
  id: number;
  result?: BatchResult;
  error?: string;
}

/** Worker side of verify's pool (started through verify-worker.mjs): check batches, answer each by id. */
parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, result: checkBatch(msg.task) };
  } catch (e) {
    reply = { id: msg.id, error: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(reply);
});
