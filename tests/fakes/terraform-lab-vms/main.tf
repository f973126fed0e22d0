# One null_resource per VM, keyed by name: adding or removing a VM creates or destroys only that one.
# Any change to what a VM is (address, zone, role, key) replaces it, like a product VM rebuilt.
#
# The commands are given as `interpreter` (an argv, no shell) with their last argument as `command`:
# nothing is shell-quoted, so a key comment or a path with spaces passes through unchanged.

resource "null_resource" "vm" {
  for_each = { for vm in var.vms : vm.name => vm }

  # A destroy-time provisioner may only read self: everything `destroy` needs is stored here.
  triggers = {
    name        = each.key
    address     = each.value.address
    zone        = each.value.zone
    role        = each.value.role
    key         = trimspace(var.ssh_public_key)
    lab_command = jsonencode(var.lab_command)
  }

  provisioner "local-exec" {
    interpreter = concat(var.lab_command, [
      "create",
      "--address", each.value.address,
      "--zone", each.value.zone,
      "--role", each.value.role,
      "--key", trimspace(var.ssh_public_key),
      "--fail-on", var.fail_on,
    ])
    # The last argument: Terraform's error quotes it ("Error running command '--name=vm3'").
    command = "--name=${each.key}"
  }

  provisioner "local-exec" {
    when        = destroy
    interpreter = concat(jsondecode(self.triggers.lab_command), ["destroy", "--address", self.triggers.address])
    command     = "--name=${self.triggers.name}"
  }
}
