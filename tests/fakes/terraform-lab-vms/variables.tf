# The contract of terraform-modules/vsphere and terraform-modules/openstack (same names, same shapes),
# so the provisioning service renders the same variables for this double. zones is loose here: the
# double places nothing, it only checks that every VM names one of them.

variable "cluster_name" {
  description = "Name of the Kubernetes cluster (recorded nowhere by the double; accepted for the contract)."
  type        = string
}

variable "vms" {
  description = "The cluster's machines, in the order the output lists them. Each address must be a lab host's; size is accepted and ignored."
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
    condition     = length(distinct([for vm in var.vms : vm.name])) == length(var.vms)
    error_message = "vms[].name must be unique: ${join(", ", distinct([for vm in var.vms : vm.name if length([for other in var.vms : other if other.name == vm.name]) > 1]))} appear more than once."
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
    condition     = length(distinct([for vm in var.vms : vm.address])) == length(var.vms)
    error_message = "vms[].address must be unique: ${join(", ", distinct([for vm in var.vms : vm.address if length([for other in var.vms : other if other.address == vm.address]) > 1]))} appear more than once."
  }
}

variable "zones" {
  description = "Zones keyed by name. The product modules type each zone (network, ipv4, placement); the double only reads the keys."
  type        = map(any)
}

variable "ssh_public_key" {
  description = "OpenSSH public key the double appends to root's authorized_keys on each adopted lab host."
  type        = string
}

variable "ssh_user" {
  description = "Login user that gets ssh_public_key. The double writes root's keys only, so it refuses any other user."
  type        = string
  default     = "root"

  validation {
    condition     = var.ssh_user == "root"
    error_message = "ssh_user must be \"root\" with the lab VM double: it writes only /root/.ssh/authorized_keys on the lab hosts."
  }
}

# The vSphere connection of the product module: accepted so the service can render the same variables,
# never used (there is no vCenter behind the double). Optional here, required by the product module.

variable "vsphere_server" {
  description = "Accepted and ignored (vCenter host of the product module)."
  type        = string
  default     = null
}

variable "vsphere_user" {
  description = "Accepted and ignored (vCenter user of the product module)."
  type        = string
  default     = null
}

variable "vsphere_password" {
  description = "Accepted and ignored (vCenter password of the product module)."
  type        = string
  default     = null
  sensitive   = true
}

variable "allow_unverified_ssl" {
  description = "Accepted and ignored (vCenter certificate check of the product module)."
  type        = bool
  default     = false
}

variable "datacenter" {
  description = "Accepted and ignored (vSphere datacenter of the product module)."
  type        = string
  default     = null
}

# Double-only inputs.

variable "lab_command" {
  description = "argv prefix of the double's tooling, e.g. [\"<venv>/bin/python\", \"<repo>/tests/fakes/lab_vms.py\", \"--lab\", \"kolab9\"]. Changing it replaces every VM (destroy-time provisioners can only read what the resource stored)."
  type        = list(string)

  validation {
    condition     = length(var.lab_command) > 0
    error_message = "lab_command must hold at least the program to run (tests/fakes/lab_vms.py and its --lab)."
  }
}

variable "fail_on" {
  description = "Name of a VM the double refuses to create (failure tests); \"\" refuses none."
  type        = string
  default     = ""
}
