terraform {
  # 1.9: input validations may refer to other variables (vms[].zone is checked against zones).
  required_version = ">= 1.9"

  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = "~> 3.0"
    }
  }
}
