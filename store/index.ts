export type { Database, Queryable } from './database.ts';
export { toVectorLiteral } from './database.ts';
export { PgliteDatabase } from './pglite-database.ts';
export { PostgresDatabase } from './postgres-database.ts';
export { migrate, loadMigrations } from './migrate.ts';
export { openDatabase } from './open-database.ts';
export { JobQueue, type JobListFilter } from './job-queue.ts';
export { JobSchema, JOB_STATUSES, type Job, type JobStatus } from './job.schema.ts';
export { JobRunner, type JobHandler } from './job-runner.ts';
