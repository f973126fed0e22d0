"""SSH credentials: a username with a password or a private key, encrypted at rest."""
