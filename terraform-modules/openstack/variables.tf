# The shared contract (cluster_name, vms, zones' common fields, ssh_public_key, ssh_user) is spelled the
# same in ../vsphere/variables.tf; tests/provisioning/test_terraform_modules.py keeps the two aligned.

locals {
  # Shared by the validations below (a validation may read locals since Terraform 1.9).
  dns_label_pattern = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
  ipv4_pattern      = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"
}

variable "cluster_name" {
  description = "Name of the Kubernetes cluster: prefixes the masters' server group and is written into each server's metadata. VM names come from vms[].name."
  type        = string

  validation {
    condition     = can(regex(local.dns_label_pattern, var.cluster_name))
    error_message = "cluster_name must be a DNS label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit."
  }
}

variable "vms" {
  description = "The cluster's machines, in the order the output lists them. size.flavor (the flavor's name) is required; size.disk_gib, if set, boots the server from a volume of that size; size.cpus and memory_gib are ignored (the flavor sets them)."
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
    error_message = "vms[].size.cpus and disk_gib must be whole numbers of at least 1 (or null: disk_gib null boots from the image's ephemeral disk)."
  }
  validation {
    condition     = alltrue([for vm in var.vms : try(trimspace(vm.size.flavor) != "", false)])
    error_message = "vms[].size.flavor must name the OpenStack flavor: fix ${join(", ", [for vm in var.vms : vm.name if !try(trimspace(vm.size.flavor) != "", false)])}."
  }
}

variable "zones" {
  description = "Placement per zone, keyed by zone name: the Nova availability zone every server of the zone is created in, the network (name or id; subnet, name or id, only needed when the network has several IPv4 subnets), the image (name or id), the security group (name or id; null = the project's default group) and the zone's IPv4 settings (prefix_length and gateway must match the Neutron subnet's, checked at plan; addresses, gateway and DNS reach the server through Neutron, so ipv4.dns is informative here)."
  type = map(object({
    network = string
    ipv4 = object({
      prefix_length = number
      gateway       = string
      dns           = list(string)
    })
    availability_zone = string
    image             = string
    subnet            = optional(string)
    security_group    = optional(string)
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
    condition     = alltrue([for z in var.zones : alltrue([for s in [z.network, z.availability_zone, z.image] : trimspace(s) != ""])])
    error_message = "zones[].network, availability_zone and image must not be empty (availability_zone is where the zone's servers are created)."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key authorised for ssh_user on every VM (through cloud-init user data)."
  type        = string

  validation {
    condition     = can(regex("^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\\.com) [A-Za-z0-9+/=]+", trimspace(var.ssh_public_key)))
    error_message = "ssh_public_key must be one OpenSSH public key line, like \"ssh-ed25519 AAAA... comment\"."
  }
}

variable "ssh_user" {
  description = "Login user that gets ssh_public_key (created by cloud-init if the image lacks it)."
  type        = string
  default     = "root"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.ssh_user))
    error_message = "ssh_user must be a Linux user name: lowercase letters, digits, '_' or '-', starting with a letter or '_'."
  }
}

variable "auth_url" {
  description = "Keystone v3 endpoint, like https://keystone.example.internal:5000/v3."
  type        = string

  validation {
    condition     = can(regex("^https?://", var.auth_url))
    error_message = "auth_url must be the Keystone URL, starting with http:// or https://."
  }
}

variable "user_name" {
  description = "OpenStack user name."
  type        = string
}

variable "password" {
  description = "OpenStack password."
  type        = string
  sensitive   = true
}

variable "tenant_name" {
  description = "Project (tenant) the servers are created in."
  type        = string
}

variable "user_domain_name" {
  description = "Keystone domain of the user."
  type        = string
  default     = "Default"
}

variable "project_domain_name" {
  description = "Keystone domain of the project."
  type        = string
  default     = "Default"
}

variable "region" {
  description = "OpenStack region, like RegionOne."
  type        = string
}

variable "insecure" {
  description = "Accept the API's TLS certificate without verifying it (self-signed clouds)."
  type        = bool
  default     = false
}

variable "master_anti_affinity" {
  description = "Put the masters in a server group with the anti-affinity policy, so no two share a hypervisor (creation fails when there are fewer hypervisors than masters in their zones)."
  type        = bool
  default     = true
}
