"""Compliance runs of a cluster: the built-in CIS node check (an operation) and Sonobuoy results uploaded."""
