-- An item can be hidden from everyone but its uploader while it stays in
-- place: its owner's account is being deleted (the deletion task removes
-- it afterwards). NULL: not hidden. The visibility rules (upload/access.go)
-- check it for every viewer but the uploader and for every share link.
ALTER TABLE media ADD COLUMN hidden_reason text
    CHECK (hidden_reason IN ('owner_deleted'));
