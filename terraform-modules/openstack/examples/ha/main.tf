# Three masters, one per availability zone (kept on different hypervisors by the anti-affinity group),
# and two workers; workers boot from an 80 GiB volume.
# terraform init && terraform apply -var password=... (the other values below are examples).

variable "password" {
  description = "OpenStack password."
  type        = string
  sensitive   = true
}

variable "ssh_public_key" {
  description = "OpenSSH public key for the ubuntu user on every server."
  type        = string
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample ko@example"
}

locals {
  zone = {
    network        = "k8s-net"
    image          = "ubuntu-22.04"
    security_group = "kubernetes"
    ipv4           = { prefix_length = 24, gateway = "10.30.0.1", dns = ["10.30.0.2"] }
  }
}

module "cluster" {
  source = "../.."

  auth_url    = "https://keystone.example.internal:5000/v3"
  user_name   = "kubeoperator"
  password    = var.password
  tenant_name = "k8s"
  region      = "RegionOne"

  cluster_name   = "prod"
  ssh_user       = "ubuntu"
  ssh_public_key = var.ssh_public_key

  zones = {
    az1 = merge(local.zone, { availability_zone = "nova-az1" })
    az2 = merge(local.zone, { availability_zone = "nova-az2" })
    az3 = merge(local.zone, { availability_zone = "nova-az3" })
  }

  vms = [
    { name = "prod-master-1", role = "master", zone = "az1", address = "10.30.0.11", size = { flavor = "m1.large" } },
    { name = "prod-master-2", role = "master", zone = "az2", address = "10.30.0.12", size = { flavor = "m1.large" } },
    { name = "prod-master-3", role = "master", zone = "az3", address = "10.30.0.13", size = { flavor = "m1.large" } },
    { name = "prod-worker-1", role = "worker", zone = "az1", address = "10.30.0.21", size = { flavor = "m1.xlarge", disk_gib = 80 } },
    { name = "prod-worker-2", role = "worker", zone = "az2", address = "10.30.0.22", size = { flavor = "m1.xlarge", disk_gib = 80 } },
  ]
}

output "vms" {
  description = "The servers as the module reports them."
  value       = module.cluster.vms
}
