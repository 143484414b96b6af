-- Image-reading items (读片题, issue 15 scope 2): figures a teacher uploads (PNG, JPEG, or a DICOM slice rendered
-- to PNG with a window/level), validated by their bytes, and the figure (with an optional region mark) an item shows.
CREATE TABLE teach_figures (
  id          text PRIMARY KEY,
  mime        text NOT NULL CHECK (mime IN ('image/png', 'image/jpeg')),
  bytes       bytea NOT NULL,
  width       int NOT NULL CHECK (width > 0),
  height      int NOT NULL CHECK (height > 0),
  source      text NOT NULL CHECK (source IN ('png', 'jpeg', 'dicom')),  -- what was uploaded (DICOM is stored rendered)
  sha256      text NOT NULL,                                           -- of the stored bytes: the same figure uploaded twice is one row
  file_name   text,
  synthetic   boolean NOT NULL DEFAULT false,                          -- drawn by code (demo figures), not a patient image
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (sha256)
);

-- { figureId, region: { x, y, r } | null } with x, y, r as fractions of the figure's width (region: a circle).
ALTER TABLE teach_questions ADD COLUMN figure jsonb;
