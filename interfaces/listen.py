"""Wake the projection engine on PostgreSQL NOTIFY (the recorder notifies on every insert).

The engine polls as well, so a lost notification or a dropped connection only delays it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

log = logging.getLogger("orion.listen")


def listen_in_background(
    conninfo: str, channel: str, wake: Callable[[], None], stop: threading.Event
) -> threading.Thread:
    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    while not stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            wake()
            except psycopg.Error as error:
                log.warning("LISTEN %s lost (%s); polling until it is back", channel, error)
                time.sleep(1.0)

    thread = threading.Thread(target=run, name="orion-listen", daemon=True)
    thread.start()
    return thread
