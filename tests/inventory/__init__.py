"""Tests of the inventory service."""
