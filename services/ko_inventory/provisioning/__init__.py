"""The provisioning service's internal API: a plan with its cloud login, IP addresses, and the VMs as hosts."""
