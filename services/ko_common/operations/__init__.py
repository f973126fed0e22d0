"""The operation engine every service that runs long work shares.

- models.py: the columns of operations, phases and events (mixins; each service keeps its own tables);
- channels.py: every subject of a service's operations, from its name;
- kinds.py: registered operation kinds (phases, preflight, what the cluster shows on start and end);
- service.py: create (queued through the outbox), read, retry, cancel;
- worker.py: the work-queue consumer (heartbeat, hand-back, resume, cancel watch, phase machine);
- pump.py: events numbered, stored in batches, published, reconciled;
- executors.py: what runs a phase (python steps here; ansible/ and terraform.py beside it);
- jobs.py: the versioned job-request contract between services.
"""
