"""Backups of a cluster's etcd (with its PKI, encrypted) in a backup account, and restores from them."""
