"""The driven side: what Orion drives (mail, the personal-data vault, job queues, the
PostgreSQL listener, metrics, connection pools) and the runtime that follows the log."""
