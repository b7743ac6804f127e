-- Periodic task runs (package worker). Every worker process runs an Asynq
-- scheduler, so each periodic task (sweep, reconcile, retention, upload
-- expiry, review sweep, report holds, notify dispatch) is enqueued once per
-- period by each of them. The first copy to claim the period here runs;
-- the others see a run started less than 9/10 of a period ago and return.
-- task_id lets a retry of the claiming task through.
CREATE TABLE periodic_runs (
    name       text PRIMARY KEY,
    task_id    text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    runs       bigint NOT NULL DEFAULT 1
);
