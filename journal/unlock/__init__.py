"""Unlocking the journal: with the password, a journal passphrase, a passkey (journal/passkeys)
or the recovery key; setting up a journal at the first sign-in; the leader's ways in."""
