terraform {
  # 1.9: input validations may refer to other variables (vms[].zone is checked against zones).
  required_version = ">= 1.9"

  required_providers {
    vsphere = {
      source = "hashicorp/vsphere"
      # Exact: the offline package ships one provider build in its filesystem mirror and pins that version.
      version = "2.0.2"
    }
  }
}
