"""Shared library of the KubeOperator services: settings, logging, database,
events, errors, identity and the service application factory."""
