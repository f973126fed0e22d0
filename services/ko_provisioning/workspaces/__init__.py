"""Workspaces: a set of VMs created by Terraform from an inventory plan, with their state and addresses."""
