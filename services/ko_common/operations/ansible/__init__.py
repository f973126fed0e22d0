"""The Ansible executor: playbooks through ansible-runner (runner.py), passwords in Ansible Vault (vault.py)."""
