"""Regions, zones and plans: where and how large provisioning will create VMs on vSphere or OpenStack.

One domain rather than three: a zone is only valid against its region's provider, and a plan
only against its region and zones, so the checks read each other's tables all the time.
"""
