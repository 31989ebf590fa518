-- Renames (chronox_domain/renames.py): the vendor ticker that answered a span when it is
-- not the symbol's own (NULL: the symbol, as every span before), and whether a registry
-- symbol follows its company's renames (the default) or keeps to its literal ticker.
ALTER TABLE coverage ADD COLUMN ticker text;
ALTER TABLE symbols ADD COLUMN follow_renames boolean NOT NULL DEFAULT true;
