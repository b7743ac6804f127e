-- Link view caches (share/viewcache.go) drop only the pages a write can
-- change. Each statement on a table a link page reads notifies the scopes
-- it touched (internal/db/scopes.go), space separated:
--   a:<album id>  the album row, its members, an item in it
--   l:<link id>   a shares row
--   m:<media id>  an item in no album (what an item link shows)
-- A statement touching more than 100 scopes, and TRUNCATE, notify '*'
-- (everything): a dissolution deleting 10,000 items is one notification of
-- one album, an account deletion hiding 10,000 items in no album is one
-- '*', and no payload comes near the 8000-byte limit.
--
-- Statement-level triggers with transition tables: one notification per
-- statement whatever its size (identical ones in a transaction merge).
-- PostgreSQL allows transition tables only on single-event triggers, so
-- each table has an INSERT, an UPDATE and a DELETE trigger sharing one
-- function, which reads only the tables its event has.

DROP TRIGGER shares_link_change ON shares;
DROP TRIGGER albums_link_change ON albums;
DROP TRIGGER album_members_link_change ON album_members;
DROP TRIGGER media_link_change ON media;
DROP FUNCTION notify_link_change();

-- notify_link_scopes sends scopes (at most 101 given: more means '*').
CREATE FUNCTION notify_link_scopes(scopes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF cardinality(scopes) > 100 THEN
		PERFORM pg_notify('mediad_link_change', '*');
	ELSIF cardinality(scopes) > 0 THEN
		PERFORM pg_notify('mediad_link_change', array_to_string(scopes, ' '));
	END IF;
END $$;

CREATE FUNCTION link_change_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('mediad_link_change', '*');
	RETURN NULL;
END $$;

-- A link's and an album's id never change: the old rows name them.
CREATE FUNCTION shares_link_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'l:' || id FROM new_rows LIMIT 101));
	ELSE
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'l:' || id FROM old_rows LIMIT 101));
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION albums_link_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'a:' || id FROM new_rows LIMIT 101));
	ELSE
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'a:' || id FROM old_rows LIMIT 101));
	END IF;
	RETURN NULL;
END $$;

CREATE FUNCTION album_members_link_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'a:' || album_id FROM new_rows LIMIT 101));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'a:' || album_id FROM old_rows LIMIT 101));
	ELSE
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT 'a:' || album_id FROM (
			SELECT album_id FROM old_rows UNION ALL SELECT album_id FROM new_rows) r LIMIT 101));
	END IF;
	RETURN NULL;
END $$;

-- An item shows on a link only when ready: a row version that is not
-- ready (an upload being processed) changes no link page. An item in an
-- album is its album's scope (album links, and item links to it, depend
-- on the album anyway); an item in no album is its own. An item moved
-- between albums names both, through its old and new row.
CREATE FUNCTION media_link_scope(album_id text, id text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN album_id IS NULL THEN 'm:' || id ELSE 'a:' || album_id END
$$;

CREATE FUNCTION media_link_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT media_link_scope(album_id, id)
			FROM new_rows WHERE status = 'ready' LIMIT 101));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT media_link_scope(album_id, id)
			FROM old_rows WHERE status = 'ready' LIMIT 101));
	ELSE
		PERFORM notify_link_scopes(ARRAY(SELECT DISTINCT media_link_scope(album_id, id) FROM (
			SELECT id, album_id, status FROM old_rows UNION ALL SELECT id, album_id, status FROM new_rows) r
			WHERE status = 'ready' LIMIT 101));
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER shares_link_change_ins AFTER INSERT ON shares REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION shares_link_change();
CREATE TRIGGER shares_link_change_upd AFTER UPDATE ON shares REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION shares_link_change();
CREATE TRIGGER shares_link_change_del AFTER DELETE ON shares REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION shares_link_change();
CREATE TRIGGER shares_link_change_trunc AFTER TRUNCATE ON shares
	FOR EACH STATEMENT EXECUTE FUNCTION link_change_all();
CREATE TRIGGER albums_link_change_ins AFTER INSERT ON albums REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION albums_link_change();
CREATE TRIGGER albums_link_change_upd AFTER UPDATE ON albums REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION albums_link_change();
CREATE TRIGGER albums_link_change_del AFTER DELETE ON albums REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION albums_link_change();
CREATE TRIGGER albums_link_change_trunc AFTER TRUNCATE ON albums
	FOR EACH STATEMENT EXECUTE FUNCTION link_change_all();
CREATE TRIGGER album_members_link_change_ins AFTER INSERT ON album_members REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION album_members_link_change();
CREATE TRIGGER album_members_link_change_upd AFTER UPDATE ON album_members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION album_members_link_change();
CREATE TRIGGER album_members_link_change_del AFTER DELETE ON album_members REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION album_members_link_change();
CREATE TRIGGER album_members_link_change_trunc AFTER TRUNCATE ON album_members
	FOR EACH STATEMENT EXECUTE FUNCTION link_change_all();
CREATE TRIGGER media_link_change_ins AFTER INSERT ON media REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION media_link_change();
CREATE TRIGGER media_link_change_upd AFTER UPDATE ON media REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION media_link_change();
CREATE TRIGGER media_link_change_del AFTER DELETE ON media REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION media_link_change();
CREATE TRIGGER media_link_change_trunc AFTER TRUNCATE ON media
	FOR EACH STATEMENT EXECUTE FUNCTION link_change_all();
