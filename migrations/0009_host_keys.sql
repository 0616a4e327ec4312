-- Hosts prove an Ed25519 key at every link; an approval is for one key. `key_fingerprint` is the
-- key approved (status approved) or the key of the machine that last asked (pending, revoked).
-- Credentials (credential_hash) are no longer issued: a host approved before keys presents its
-- credential once more and its key is bound then.

ALTER TABLE host_approvals ADD COLUMN key_fingerprint TEXT;
