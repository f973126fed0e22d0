"""Terraform providers for the provisioning service: its filesystem mirror, filled from the offline packages."""
