# One Neutron port with the VM's static address and one Nova server per var.vms entry. Each server is
# created in its zone's availability_zone (KubeOperator's original module dropped it: bug #412, every
# server landed in the scheduler's default zone). cloud-init user data authorises the SSH key.

provider "openstack" {
  auth_url            = var.auth_url
  user_name           = var.user_name
  password            = var.password
  tenant_name         = var.tenant_name
  user_domain_name    = var.user_domain_name
  project_domain_name = var.project_domain_name
  region              = var.region
  insecure            = var.insecure
}

locals {
  uuid_pattern = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"

  vms = { for vm in var.vms : vm.name => vm }

  image_id = {
    for name, zone in var.zones : name => can(regex(local.uuid_pattern, zone.image)) ? zone.image : data.openstack_images_image_v2.zone[name].id
  }

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

data "openstack_networking_network_v2" "zone" {
  for_each = var.zones

  network_id = can(regex(local.uuid_pattern, each.value.network)) ? each.value.network : null
  name       = can(regex(local.uuid_pattern, each.value.network)) ? null : each.value.network
}

data "openstack_networking_subnet_v2" "zone" {
  for_each = var.zones

  network_id = data.openstack_networking_network_v2.zone[each.key].id
  ip_version = 4
  subnet_id  = each.value.subnet != null && can(regex(local.uuid_pattern, coalesce(each.value.subnet, "-"))) ? each.value.subnet : null
  name       = each.value.subnet != null && !can(regex(local.uuid_pattern, coalesce(each.value.subnet, "-"))) ? each.value.subnet : null
}

data "openstack_networking_secgroup_v2" "zone" {
  for_each = { for name, zone in var.zones : name => zone if zone.security_group != null }

  secgroup_id = can(regex(local.uuid_pattern, each.value.security_group)) ? each.value.security_group : null
  name        = can(regex(local.uuid_pattern, each.value.security_group)) ? null : each.value.security_group
}

data "openstack_images_image_v2" "zone" {
  for_each = { for name, zone in var.zones : name => zone if !can(regex(local.uuid_pattern, zone.image)) }

  name        = each.value.image
  most_recent = true
}

resource "openstack_compute_servergroup_v2" "masters" {
  count = var.master_anti_affinity && anytrue([for vm in var.vms : vm.role == "master"]) ? 1 : 0

  name     = "${var.cluster_name}-masters"
  policies = ["anti-affinity"]
}

resource "openstack_networking_port_v2" "vm" {
  for_each = local.vms

  name               = each.key
  network_id         = data.openstack_networking_network_v2.zone[each.value.zone].id
  admin_state_up     = true
  security_group_ids = var.zones[each.value.zone].security_group != null ? [data.openstack_networking_secgroup_v2.zone[each.value.zone].id] : null
  tags               = ["kubeoperator-cluster=${var.cluster_name}", "kubeoperator-role=${each.value.role}"]

  fixed_ip {
    subnet_id  = data.openstack_networking_subnet_v2.zone[each.value.zone].id
    ip_address = each.value.address
  }

  lifecycle {
    # The zone's ipv4 settings are what the service planned addresses from: Neutron must agree.
    precondition {
      condition     = data.openstack_networking_subnet_v2.zone[each.value.zone].cidr == cidrsubnet("${each.value.address}/${var.zones[each.value.zone].ipv4.prefix_length}", 0, 0)
      error_message = "vms[\"${each.key}\"].address with zones[\"${each.value.zone}\"].ipv4.prefix_length is not in the subnet ${data.openstack_networking_subnet_v2.zone[each.value.zone].cidr} of network ${var.zones[each.value.zone].network}: fix the address pool or zones[].subnet."
    }
    precondition {
      condition     = data.openstack_networking_subnet_v2.zone[each.value.zone].gateway_ip == var.zones[each.value.zone].ipv4.gateway
      error_message = "zones[\"${each.value.zone}\"].ipv4.gateway differs from the gateway of subnet ${data.openstack_networking_subnet_v2.zone[each.value.zone].cidr} (${data.openstack_networking_subnet_v2.zone[each.value.zone].gateway_ip}): Neutron's DHCP hands out the subnet's."
    }
  }
}

resource "openstack_compute_instance_v2" "vm" {
  for_each = local.vms

  name              = each.key
  availability_zone = var.zones[each.value.zone].availability_zone
  flavor_name       = each.value.size.flavor
  # Booting from a volume takes the image from block_device; image_id must then stay empty.
  image_id  = each.value.size.disk_gib == null ? local.image_id[each.value.zone] : null
  user_data = local.user_data
  metadata = {
    kubeoperator_cluster = var.cluster_name
    kubeoperator_role    = each.value.role
  }

  network {
    port = openstack_networking_port_v2.vm[each.key].id
  }

  dynamic "block_device" {
    for_each = each.value.size.disk_gib != null ? [each.value.size.disk_gib] : []
    content {
      uuid                  = local.image_id[each.value.zone]
      source_type           = "image"
      destination_type      = "volume"
      volume_size           = block_device.value
      boot_index            = 0
      delete_on_termination = true
    }
  }

  dynamic "scheduler_hints" {
    for_each = each.value.role == "master" ? openstack_compute_servergroup_v2.masters[*].id : []
    content {
      group = scheduler_hints.value
    }
  }
}
