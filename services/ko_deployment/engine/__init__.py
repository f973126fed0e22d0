"""The operations engine: phases run as playbooks through ansible-runner, durable and resumable."""
