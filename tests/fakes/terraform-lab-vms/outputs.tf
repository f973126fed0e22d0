output "vms" {
  description = "The VMs in the order of var.vms: name, role, address, zone and provider_id (\"labvm-<name>-<null_resource id>\", new for each VM created)."
  value = [for vm in var.vms : {
    name        = vm.name
    role        = vm.role
    address     = vm.address
    zone        = vm.zone
    provider_id = "labvm-${vm.name}-${null_resource.vm[vm.name].id}"
  }]
}
