"""IP pools: a subnet, its gateway and DNS servers, and the ranges handed out to VMs one address at a time."""
