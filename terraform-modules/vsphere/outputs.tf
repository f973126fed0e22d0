output "vms" {
  description = "The VMs in the order of var.vms: name, role, address, zone and provider_id (the vSphere VM's UUID)."
  value = [for vm in var.vms : {
    name        = vm.name
    role        = vm.role
    address     = vm.address
    zone        = vm.zone
    provider_id = vsphere_virtual_machine.vm[vm.name].id
  }]
}
