"""The projects the gateway announced: inventory keeps resources only in projects that exist."""
