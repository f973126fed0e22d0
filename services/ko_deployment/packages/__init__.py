"""Offline packages: the manifest format, import and verification, and the repository nodes install from."""
