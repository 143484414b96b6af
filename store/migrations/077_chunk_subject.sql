-- What a passage is about when its document says it in no heading: the topic carried from the sentence
-- that opened it in a text without headings (ingest/topics.ts). Search indexes it, with the document's
-- title, as a weak field; existing chunks keep NULL (the posting lists are rebuilt for the new index version).
ALTER TABLE chunks ADD COLUMN subject text;
