"""Hosts: registration over SSH, host keys, facts, status, bulk import, cluster membership."""
