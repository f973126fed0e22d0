"""Tools above the services: they load every service, so no service (and not ko_common) imports them.

- ``python -m ko_tools.asyncapi --write``: the event contract, ``docs/events/asyncapi.json``;
- ``python -m ko_tools.openapi --write``: the public HTTP contract, ``docs/api/openapi.json``.

``make contract`` runs both and then regenerates the console's TypeScript from them.
"""
