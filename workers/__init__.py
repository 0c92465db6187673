"""Background jobs (RQ): each job takes ids, bootstraps, and calls one application use case."""
