# The shared contract (cluster_name, vms, zones' common fields, ssh_public_key, ssh_user) is spelled the
# same in ../openstack/variables.tf; tests/provisioning/test_terraform_modules.py keeps the two aligned.

locals {
  # Shared by the validations below (a validation may read locals since Terraform 1.9).
  dns_label_pattern = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
  ipv4_pattern      = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
}

variable "cluster_name" {
  description = "Name of the Kubernetes cluster: written into each VM's annotation and cloud-init metadata. VM names come from vms[].name."
  type        = string

  validation {
    condition     = can(regex(local.dns_label_pattern, var.cluster_name))
    error_message = "cluster_name must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit."
  }
}

variable "vms" {
  description = "The cluster's machines, in the order the output lists them. size.cpus, memory_gib and disk_gib default to the template's; size.flavor is ignored on vSphere."
  type = list(object({
    name    = string
    role    = string
    zone    = string
    address = string
    size = object({
      cpus       = optional(number)
      memory_gib = optional(number)
      disk_gib   = optional(number)
      flavor     = optional(string)
    })
  }))

  validation {
    condition     = alltrue([for vm in var.vms : can(regex(local.dns_label_pattern, vm.name))])
    error_message = "vms[].name must be a DNS label (it becomes the host name): fix ${join(", ", [for vm in var.vms : vm.name if !can(regex(local.dns_label_pattern, vm.name))])}."
  }
  validation {
    condition     = length(distinct([for vm in var.vms : vm.name])) == length(var.vms)
    error_message = "vms[].name must be unique: repeated ${join(", ", distinct([for vm in var.vms : vm.name if length([for other in var.vms : other if other.name == vm.name]) > 1]))}."
  }
  validation {
    condition     = alltrue([for vm in var.vms : contains(["master", "worker"], vm.role)])
    error_message = "vms[].role must be \"master\" or \"worker\": fix ${join(", ", [for vm in var.vms : vm.name if !contains(["master", "worker"], vm.role)])}."
  }
  validation {
    condition     = alltrue([for vm in var.vms : contains(keys(var.zones), vm.zone)])
    error_message = "vms[].zone must be a key of zones (${join(", ", keys(var.zones))}): fix ${join(", ", [for vm in var.vms : vm.name if !contains(keys(var.zones), vm.zone)])}."
  }
  validation {
    condition     = alltrue([for vm in var.vms : can(regex(local.ipv4_pattern, vm.address))])
    error_message = "vms[].address must be an IPv4 address without a prefix, like 10.0.0.11: fix ${join(", ", [for vm in var.vms : vm.name if !can(regex(local.ipv4_pattern, vm.address))])}."
  }
  validation {
    condition     = length(distinct([for vm in var.vms : vm.address])) == length(var.vms)
    error_message = "vms[].address must be unique: repeated ${join(", ", distinct([for vm in var.vms : vm.address if length([for other in var.vms : other if other.address == vm.address]) > 1]))}."
  }
  validation {
    # An address outside its zone's subnet would boot unreachable: compare the network parts.
    condition = alltrue([for vm in var.vms : try(
      cidrhost("${vm.address}/${var.zones[vm.zone].ipv4.prefix_length}", 0) == cidrhost("${var.zones[vm.zone].ipv4.gateway}/${var.zones[vm.zone].ipv4.prefix_length}", 0),
    true)])
    error_message = "vms[].address must be in its zone's subnet (the gateway's network at zones[].ipv4.prefix_length): fix ${join(", ", [for vm in var.vms : vm.name if !try(cidrhost("${vm.address}/${var.zones[vm.zone].ipv4.prefix_length}", 0) == cidrhost("${var.zones[vm.zone].ipv4.gateway}/${var.zones[vm.zone].ipv4.prefix_length}", 0), true)])}."
  }
  validation {
    condition = alltrue(flatten([for vm in var.vms : [
      for n in [vm.size.cpus, vm.size.disk_gib] : n == null ? true : n >= 1 && floor(n) == n
    ]]))
    error_message = "vms[].size.cpus and disk_gib must be whole numbers of at least 1 (or null for the template's)."
  }
  validation {
    condition     = alltrue([for vm in var.vms : vm.size.memory_gib == null ? true : vm.size.memory_gib > 0 && floor(vm.size.memory_gib * 256) == vm.size.memory_gib * 256])
    error_message = "vms[].size.memory_gib must be positive and a multiple of 4 MiB (vSphere's granularity), e.g. 8 or 1.5 (or null for the template's)."
  }
}

variable "zones" {
  description = "Placement per zone, keyed by zone name: vSphere compute cluster, resource pool (null = the cluster's root pool; a name or a path like \"cluster/Resources/pool\"), datastore, port group, template, folder (null = the datacenter's VM folder), the zone's IPv4 settings and the DNS domain given to guest customisation."
  type = map(object({
    network = string
    ipv4 = object({
      prefix_length = number
      gateway       = string
      dns           = list(string)
    })
    cluster       = string
    resource_pool = optional(string)
    datastore     = string
    template      = string
    folder        = optional(string)
    domain        = optional(string, "local")
  }))

  validation {
    condition     = length(var.zones) > 0
    error_message = "zones must name at least one zone."
  }
  validation {
    condition     = alltrue([for z in var.zones : z.ipv4.prefix_length >= 1 && z.ipv4.prefix_length <= 32 && floor(z.ipv4.prefix_length) == z.ipv4.prefix_length])
    error_message = "zones[].ipv4.prefix_length must be a whole number from 1 to 32: fix ${join(", ", [for k, z in var.zones : k if !(z.ipv4.prefix_length >= 1 && z.ipv4.prefix_length <= 32)])}."
  }
  validation {
    condition = alltrue(flatten([for z in var.zones : [
      for ip in concat([z.ipv4.gateway], z.ipv4.dns) : can(regex(local.ipv4_pattern, ip))
    ]]))
    error_message = "zones[].ipv4.gateway and every zones[].ipv4.dns entry must be IPv4 addresses like 10.0.0.1."
  }
  validation {
    condition     = alltrue([for z in var.zones : alltrue([for s in [z.network, z.cluster, z.datastore, z.template] : trimspace(s) != ""])])
    error_message = "zones[].network, cluster, datastore and template must not be empty."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key authorised for ssh_user on every VM (through cloud-init user data in guestinfo)."
  type        = string

  validation {
    condition     = can(regex("^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) [A-Za-z0-9+/=]+", trimspace(var.ssh_public_key)))
    error_message = "ssh_public_key must be one OpenSSH public key line, like \"ssh-ed25519 AAAA... comment\"."
  }
}

variable "ssh_user" {
  description = "Login user that gets ssh_public_key (created by cloud-init if the template lacks it)."
  type        = string
  default     = "root"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.ssh_user))
    error_message = "ssh_user must be a Linux user name: lowercase letters, digits, '_' or '-', starting with a letter or '_'."
  }
}

variable "vsphere_server" {
  description = "vCenter host name or address (no scheme)."
  type        = string

  validation {
    condition     = trimspace(var.vsphere_server) != "" && !can(regex("^[a-z]+://", var.vsphere_server))
    error_message = "vsphere_server must be the vCenter host name or address, without https://."
  }
}

variable "vsphere_user" {
  description = "vCenter user, like administrator@vsphere.local."
  type        = string
}

variable "vsphere_password" {
  description = "vCenter password."
  type        = string
  sensitive   = true
}

variable "allow_unverified_ssl" {
  description = "Accept vCenter's certificate without verifying it (self-signed vCenters)."
  type        = bool
  default     = false
}

variable "datacenter" {
  description = "vSphere datacenter holding every zone's cluster, datastore, port group and template."
  type        = string
}
