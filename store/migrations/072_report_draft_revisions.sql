-- A radiologist's edit of a draft is stored as a new draft (drafts are never updated) whose engine is 'edited'
-- and whose doc names the draft it revises and the guard's verdict on the edit.
ALTER TABLE report_drafts DROP CONSTRAINT report_drafts_engine_check;
ALTER TABLE report_drafts ADD CONSTRAINT report_drafts_engine_check CHECK (engine IN ('template', 'llm', 'edited'));
