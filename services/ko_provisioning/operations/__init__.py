"""The provisioning service's operations: the shared engine on this service's tables."""
