"""KubeOperator provisioning service: Terraform workspaces, plan/apply/destroy of VMs on vSphere and OpenStack."""
