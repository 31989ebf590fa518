-- Flat files (issue 20): the ETag of the vendor's day file whose contents vouched for a
-- span (NULL: not answered from a file, as every span before). A re-run compares it
-- with the published object's and reads again only a day whose file changed.
ALTER TABLE coverage ADD COLUMN etag text;
