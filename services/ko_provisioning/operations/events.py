"""Events of the provisioning service's operations: the shared engine's channels, named for this service."""

from ko_common.operations.channels import operation_channels

CHANNELS = operation_channels("provisioning")
