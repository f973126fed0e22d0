# Three masters spread over three zones (one ESXi cluster each) and two workers, from one template.
# terraform init && terraform apply -var vsphere_password=... (the other values below are examples).

variable "vsphere_password" {
  description = "vCenter password."
  type        = string
  sensitive   = true
}

variable "ssh_public_key" {
  description = "OpenSSH public key for root on every VM."
  type        = string
  default     = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleExampleExampleExampleExampleExample ko@example"
}

locals {
  ipv4 = { prefix_length = 24, gateway = "10.20.0.1", dns = ["10.20.0.2"] }
  zone = {
    network   = "VM Network"
    datastore = "datastore1"
    template  = "ubuntu-22.04-cloudinit"
    folder    = "kubeoperator"
    ipv4      = local.ipv4
  }
}

module "cluster" {
  source = "../.."

  vsphere_server       = "vcenter.example.internal"
  vsphere_user         = "administrator@vsphere.local"
  vsphere_password     = var.vsphere_password
  allow_unverified_ssl = true
  datacenter           = "dc1"

  cluster_name   = "prod"
  ssh_public_key = var.ssh_public_key

  zones = {
    az1 = merge(local.zone, { cluster = "cluster-a" })
    az2 = merge(local.zone, { cluster = "cluster-b", resource_pool = "cluster-b/Resources/kubeoperator" })
    az3 = merge(local.zone, { cluster = "cluster-c" })
  }

  vms = [
    { name = "prod-master-1", role = "master", zone = "az1", address = "10.20.0.11", size = { cpus = 4, memory_gib = 8, disk_gib = 80 } },
    { name = "prod-master-2", role = "master", zone = "az2", address = "10.20.0.12", size = { cpus = 4, memory_gib = 8, disk_gib = 80 } },
    { name = "prod-master-3", role = "master", zone = "az3", address = "10.20.0.13", size = { cpus = 4, memory_gib = 8, disk_gib = 80 } },
    { name = "prod-worker-1", role = "worker", zone = "az1", address = "10.20.0.21", size = { cpus = 8, memory_gib = 16, disk_gib = 120 } },
    { name = "prod-worker-2", role = "worker", zone = "az2", address = "10.20.0.22", size = {} },
  ]
}

output "vms" {
  description = "The VMs as the module reports them."
  value       = module.cluster.vms
}
