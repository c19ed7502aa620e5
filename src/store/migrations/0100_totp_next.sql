-- 0100: a second factor being replaced (account page, 重新绑定): the new
-- secret waits here, encrypted like totp_secret, until a code from it is
-- confirmed; until then the old secret stays the one sign-in asks for, so
-- starting a re-bind never leaves the account without its second factor.
ALTER TABLE users ADD COLUMN totp_next TEXT;
