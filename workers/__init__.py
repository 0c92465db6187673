"""Background jobs: each takes ids and calls one application use case, through collaborators
the composition root binds once per process (``workers.table``)."""
