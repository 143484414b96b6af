-- What a reopened conversation shows of each answer: the tools it ran (name, status, summary, time; sealed,
-- since a summary may echo the question) so the tools panel survives a reload, as the timing already does.
ALTER TABLE chat_messages ADD COLUMN tools text;
