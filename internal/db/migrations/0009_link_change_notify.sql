-- Every statement that changes what a share link may show (the link, its
-- album, the album's members, its items) notifies the API processes, whose
-- link view caches then stop serving what they hold (share/viewcache.go).
-- One notification per statement; identical ones in a transaction merge.
CREATE FUNCTION notify_link_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mediad_link_change', '');
	RETURN NULL;
END $$;

CREATE TRIGGER shares_link_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON shares
	FOR EACH STATEMENT EXECUTE FUNCTION notify_link_change();
CREATE TRIGGER albums_link_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON albums
	FOR EACH STATEMENT EXECUTE FUNCTION notify_link_change();
CREATE TRIGGER album_members_link_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON album_members
	FOR EACH STATEMENT EXECUTE FUNCTION notify_link_change();
CREATE TRIGGER media_link_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON media
	FOR EACH STATEMENT EXECUTE FUNCTION notify_link_change();
