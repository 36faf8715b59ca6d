"""Passkeys that open the journal: WebAuthn ceremonies whose PRF extension gives the browser
a secret only the leader's authenticator can compute, from which the key that wraps the
journal's data key is derived (`journal.crypto.key_from_prf`). The server keeps the passkey's
public key and its PRF salt, never the PRF output."""
