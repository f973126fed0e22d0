# Clones one VM per var.vms entry from its zone's template. VMware guest customisation sets the host name
# and the static address; cloud-init (VMware guestinfo datasource) authorises the SSH key and is given the
# same static network, so whichever of the two configures the NIC last agrees with the other.

provider "vsphere" {
  vsphere_server       = var.vsphere_server
  user                 = var.vsphere_user
  password             = var.vsphere_password
  allow_unverified_ssl = var.allow_unverified_ssl
}

locals {
  vms = { for vm in var.vms : vm.name => vm }

  # root's keys are written by cloud-init only with disable_root off; any other user is created if missing.
  login_user = {
    root = { name = "root", ssh_authorized_keys = [trimspace(var.ssh_public_key)] }
    other = {
      name                = var.ssh_user
      shell               = "/bin/bash"
      sudo                = "ALL=(ALL) NOPASSWD:ALL"
      ssh_authorized_keys = [trimspace(var.ssh_public_key)]
    }
  }
  user_data = "#cloud-config\n${yamlencode({
    disable_root = false
    users        = [local.login_user[var.ssh_user == "root" ? "root" : "other"]]
  })}"
}

data "vsphere_datacenter" "this" {
  name = var.datacenter
}

data "vsphere_compute_cluster" "zone" {
  for_each = var.zones

  name          = each.value.cluster
  datacenter_id = data.vsphere_datacenter.this.id
}

data "vsphere_resource_pool" "zone" {
  for_each = { for name, zone in var.zones : name => zone if zone.resource_pool != null }

  name          = each.value.resource_pool
  datacenter_id = data.vsphere_datacenter.this.id
}

data "vsphere_datastore" "zone" {
  for_each = var.zones

  name          = each.value.datastore
  datacenter_id = data.vsphere_datacenter.this.id
}

data "vsphere_network" "zone" {
  for_each = var.zones

  name          = each.value.network
  datacenter_id = data.vsphere_datacenter.this.id
}

data "vsphere_virtual_machine" "template" {
  for_each = var.zones

  name          = each.value.template
  datacenter_id = data.vsphere_datacenter.this.id
}

resource "vsphere_virtual_machine" "vm" {
  for_each = local.vms

  name             = each.key
  annotation       = "KubeOperator cluster ${var.cluster_name}: ${each.value.role}"
  folder           = var.zones[each.value.zone].folder
  resource_pool_id = var.zones[each.value.zone].resource_pool != null ? data.vsphere_resource_pool.zone[each.value.zone].id : data.vsphere_compute_cluster.zone[each.value.zone].resource_pool_id
  datastore_id     = data.vsphere_datastore.zone[each.value.zone].id

  num_cpus  = coalesce(each.value.size.cpus, data.vsphere_virtual_machine.template[each.value.zone].num_cpus)
  memory    = each.value.size.memory_gib != null ? each.value.size.memory_gib * 1024 : data.vsphere_virtual_machine.template[each.value.zone].memory
  guest_id  = data.vsphere_virtual_machine.template[each.value.zone].guest_id
  scsi_type = data.vsphere_virtual_machine.template[each.value.zone].scsi_type
  firmware  = data.vsphere_virtual_machine.template[each.value.zone].firmware

  network_interface {
    network_id   = data.vsphere_network.zone[each.value.zone].id
    adapter_type = data.vsphere_virtual_machine.template[each.value.zone].network_interface_types[0]
  }

  # A clone must declare every disk of its template; only the first (the root disk) is resized.
  dynamic "disk" {
    for_each = data.vsphere_virtual_machine.template[each.value.zone].disks
    content {
      label            = "disk${disk.key}"
      unit_number      = disk.value.unit_number
      size             = disk.key == 0 && each.value.size.disk_gib != null ? each.value.size.disk_gib : disk.value.size
      thin_provisioned = disk.value.thin_provisioned
      eagerly_scrub    = disk.value.eagerly_scrub
    }
  }

  clone {
    template_uuid = data.vsphere_virtual_machine.template[each.value.zone].id

    customize {
      linux_options {
        host_name = each.key
        domain    = var.zones[each.value.zone].domain
      }
      network_interface {
        ipv4_address = each.value.address
        ipv4_netmask = var.zones[each.value.zone].ipv4.prefix_length
      }
      ipv4_gateway    = var.zones[each.value.zone].ipv4.gateway
      dns_server_list = var.zones[each.value.zone].ipv4.dns
    }
  }

  extra_config = {
    "guestinfo.userdata"          = base64encode(local.user_data)
    "guestinfo.userdata.encoding" = "base64"
    "guestinfo.metadata" = base64encode(jsonencode({
      instance-id    = "${var.cluster_name}-${each.key}"
      local-hostname = each.key
      network = {
        version = 2
        ethernets = {
          primary = {
            match       = { name = "e*" }
            addresses   = ["${each.value.address}/${var.zones[each.value.zone].ipv4.prefix_length}"]
            routes      = [{ to = "0.0.0.0/0", via = var.zones[each.value.zone].ipv4.gateway }]
            nameservers = { addresses = var.zones[each.value.zone].ipv4.dns }
          }
        }
      }
    }))
    "guestinfo.metadata.encoding" = "base64"
  }

  lifecycle {
    precondition {
      condition     = length(data.vsphere_virtual_machine.template[each.value.zone].disks) > 0 && length(data.vsphere_virtual_machine.template[each.value.zone].network_interface_types) > 0
      error_message = "zones[\"${each.value.zone}\"].template must have a disk and a network interface to clone."
    }
    precondition {
      condition     = each.value.size.disk_gib == null || try(each.value.size.disk_gib >= data.vsphere_virtual_machine.template[each.value.zone].disks[0].size, true)
      error_message = "vms[\"${each.key}\"].size.disk_gib must be at least the template's root disk (${try(data.vsphere_virtual_machine.template[each.value.zone].disks[0].size, "?")} GiB): vSphere cannot shrink a disk."
    }
  }
}
