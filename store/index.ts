export type { Database, Queryable } from './database.ts';
export { toVectorLiteral } from './database.ts';
export { PgliteDatabase } from './pglite-database.ts';
export { PostgresDatabase } from './postgres-database.ts';
export { migrate, loadMigrations } from './migrate.ts';
export { openDatabase } from './open-database.ts';
export { JobQueue, type Job, type JobStatus } from './job-queue.ts';
export { JobRunner, type JobHandler } from './job-runner.ts';
