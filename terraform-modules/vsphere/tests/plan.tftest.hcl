# Plans the module against a mocked vSphere (terraform test, no vCenter): the contract's values must land
# in the VM's placement, size, guest customisation and cloud-init guestinfo, and bad input must be refused.

mock_provider "vsphere" {
  # The template's num_cpus and memory are optional (not computed) attributes, which mocks never fill:
  # only the template's disk is checked as a default below.
  override_data {
    target = data.vsphere_virtual_machine.template
    values = {
      id                      = "42000000-0000-0000-0000-000000000001"
      guest_id                = "ubuntu64Guest"
      scsi_type               = "pvscsi"
      firmware                = "efi"
      network_interface_types = ["vmxnet3"]
      disks                   = [{ label = "Hard disk 1", size = 40, unit_number = 0, thin_provisioned = true, eagerly_scrub = false }]
    }
  }
  mock_data "vsphere_compute_cluster" {
    defaults = { resource_pool_id = "resgroup-root" }
  }
  mock_data "vsphere_resource_pool" {
    defaults = { id = "resgroup-pool" }
  }
}

variables {
  vsphere_server   = "vcenter.example.internal"
  vsphere_user     = "administrator@vsphere.local"
  vsphere_password = "secret"
  datacenter       = "dc1"
  cluster_name     = "prod"
  ssh_public_key   = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey ko@test"
  zones = {
    az1 = {
      network = "pg-a", cluster = "cluster-a", datastore = "ds-a", template = "tpl"
      ipv4    = { prefix_length = 24, gateway = "10.0.1.1", dns = ["10.0.0.2"] }
    }
    az2 = {
      network = "pg-b", cluster = "cluster-b", datastore = "ds-b", template = "tpl", resource_pool = "pool-b", folder = "ko"
      ipv4    = { prefix_length = 24, gateway = "10.0.2.1", dns = ["10.0.0.2", "10.0.0.3"] }
    }
  }
  vms = [
    { name = "m1", role = "master", zone = "az2", address = "10.0.2.11", size = { cpus = 4, memory_gib = 8, disk_gib = 80 } },
    { name = "w1", role = "worker", zone = "az1", address = "10.0.1.21", size = { cpus = 2, memory_gib = 1.5 } },
  ]
}

run "contract_lands_in_the_vms" {
  command = plan

  assert {
    condition     = [for vm in output.vms : [vm.name, vm.role, vm.zone, vm.address]] == [["m1", "master", "az2", "10.0.2.11"], ["w1", "worker", "az1", "10.0.1.21"]]
    error_message = "output vms must list var.vms in order with name, role, zone and address"
  }
  assert {
    condition     = vsphere_virtual_machine.vm["m1"].num_cpus == 4 && vsphere_virtual_machine.vm["m1"].memory == 8192 && vsphere_virtual_machine.vm["m1"].disk[0].size == 80
    error_message = "size.cpus, memory_gib*1024 and disk_gib must size the VM"
  }
  assert {
    condition     = vsphere_virtual_machine.vm["w1"].memory == 1536 && vsphere_virtual_machine.vm["w1"].disk[0].size == 40
    error_message = "memory_gib may be fractional; without disk_gib the template's disk size is kept"
  }
  assert {
    condition     = vsphere_virtual_machine.vm["m1"].resource_pool_id == "resgroup-pool" && vsphere_virtual_machine.vm["w1"].resource_pool_id == "resgroup-root"
    error_message = "the zone's resource pool, or the cluster's root pool without one, must hold the VM"
  }
  assert {
    condition     = vsphere_virtual_machine.vm["m1"].folder == "ko" && vsphere_virtual_machine.vm["w1"].folder == null
    error_message = "the zone's folder must hold the VM"
  }
  assert {
    condition = (
      vsphere_virtual_machine.vm["m1"].clone[0].customize[0].linux_options[0].host_name == "m1" &&
      vsphere_virtual_machine.vm["m1"].clone[0].customize[0].network_interface[0].ipv4_address == "10.0.2.11" &&
      vsphere_virtual_machine.vm["m1"].clone[0].customize[0].network_interface[0].ipv4_netmask == 24 &&
      vsphere_virtual_machine.vm["m1"].clone[0].customize[0].ipv4_gateway == "10.0.2.1" &&
      vsphere_virtual_machine.vm["m1"].clone[0].customize[0].dns_server_list == tolist(["10.0.0.2", "10.0.0.3"])
    )
    error_message = "guest customisation must set the host name, the static address, the gateway and DNS of the zone"
  }
  assert {
    condition     = strcontains(base64decode(vsphere_virtual_machine.vm["m1"].extra_config["guestinfo.userdata"]), "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKey ko@test")
    error_message = "the SSH key must be in the cloud-init user data"
  }
  assert {
    condition     = jsondecode(base64decode(vsphere_virtual_machine.vm["m1"].extra_config["guestinfo.metadata"])).network.ethernets.primary.addresses[0] == "10.0.2.11/24"
    error_message = "the cloud-init metadata must carry the same static address"
  }
}

run "bad_input_is_refused" {
  command = plan

  variables {
    cluster_name = "Prod_1"
    vms = [
      { name = "m1", role = "boss", zone = "az9", address = "10.0.1.300", size = {} },
      { name = "m1", role = "master", zone = "az1", address = "10.0.9.5", size = { memory_gib = 0.3 } },
    ]
  }

  expect_failures = [var.cluster_name, var.vms]
}
