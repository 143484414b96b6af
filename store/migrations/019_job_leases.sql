-- Job leases with an owner token, crash accounting and quarantine (poison-pill jobs).
--  * lease_token: set by each claim; complete / fail / progress / heartbeat only match the token the
--    claimant holds, so a worker whose lease was taken over can no longer write the job's outcome.
--  * crashes: how often a worker died (process gone, lease expired) while running the job. A job with
--    crashes > 0 is a suspect; once its attempts are used up it is quarantined instead of retried.
--  * quarantined: a terminal status until an admin retries the job.
ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_status_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_status_check
  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'quarantined'));
ALTER TABLE jobs ADD COLUMN lease_token text;
ALTER TABLE jobs ADD COLUMN crashes int NOT NULL DEFAULT 0;

-- Jobs left behind by an earlier version that ignored max_attempts (retried forever) are quarantined now.
UPDATE jobs SET status = 'quarantined', locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now(),
       last_error = jsonb_build_object('code', 'JOB_QUARANTINED', 'message',
         '尝试次数已超过上限，已隔离，排查后可重试 / attempts exceeded the limit: quarantined until retried')
 WHERE status IN ('queued', 'running') AND attempts >= max_attempts;

-- Expired leases are looked up on every poll.
CREATE INDEX jobs_running_lease ON jobs (locked_until) WHERE status = 'running';

-- PubMed runs record who runs them and when that process last showed life, so a run whose process
-- died (a killed CLI import has no job) is closed as interrupted instead of staying `running` forever.
ALTER TABLE pubmed_runs ADD COLUMN owner text;
ALTER TABLE pubmed_runs ADD COLUMN heartbeat_at timestamptz;
