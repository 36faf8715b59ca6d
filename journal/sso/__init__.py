"""Single sign-on: log in with the municipality's account (OpenID Connect).

Signing in this way proves who the leader is; it never opens the journal. The account is
found by the provider's issuer and the person's subject there (`SignInIdentity`), never by
the email alone, and the session begins with the journal locked: only something the leader
holds (a passkey, the journal passphrase, the recovery key, an old password) opens it.
"""
