output "vms" {
  description = "The VMs in the order of var.vms: name, role, address, zone and provider_id (the Nova server id)."
  value = [for vm in var.vms : {
    name        = vm.name
    role        = vm.role
    address     = vm.address
    zone        = vm.zone
    provider_id = openstack_compute_instance_v2.vm[vm.name].id
  }]
}
