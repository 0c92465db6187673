"""Follow a PostgreSQL NOTIFY channel on a background thread.

The projection engine and the reactions wake on the recorder's channel (it notifies on every
insert); API processes hear the projections' committed positions. Listeners poll as well, so a
lost notification or a dropped connection only delays them.
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
    conninfo: str,
    channel: str,
    wake: Callable[[str], None],
    stop: threading.Event,
    connected: Callable[[bool], None] | None = None,
) -> threading.Thread:
    """Call ``wake(payload)`` for each notification on ``channel`` until ``stop`` is set;
    ``connected(True | False)`` as the listening connection comes and goes."""

    def run() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    if connected:
                        connected(True)
                    while not stop.is_set():
                        for notify in conn.notifies(timeout=1.0, stop_after=1):
                            wake(notify.payload)
            except psycopg.Error as error:
                log.warning("LISTEN %s lost (%s); polling until it is back", channel, error)
                if connected:
                    connected(False)
                time.sleep(1.0)
        if connected:
            connected(False)

    thread = threading.Thread(target=run, name=f"orion-listen-{channel}", daemon=True)
    thread.start()
    return thread
