"""My data (Settings → My data): everything a leader owns, to take away (export), bring in
(import), erase (the account and all in it), or empty (starting a new journal after a reset
without the recovery key). GDPR art. 15, 17 and 20."""
