"""The ``orion`` command line."""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import sys
import threading
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import typer

from adapters.listen import listen_in_background
from application.audit.app import AuditService
from domain.shared.events import event_data, event_metadata
from interfaces.bootstrap import Orion, bootstrap, freeze_start_up_objects, pg_conninfo
from interfaces.settings import Settings

cli = typer.Typer(help="Orion: event-sourced, multi-tenant commerce.", no_args_is_help=True)
projections_cli = typer.Typer(help="Read models: status, run, rebuild.", no_args_is_help=True)
events_cli = typer.Typer(help="The event log: tail it, show an aggregate.", no_args_is_help=True)
demo_cli = typer.Typer(help="Demo data.", no_args_is_help=True)
cli.add_typer(projections_cli, name="projections")
cli.add_typer(events_cli, name="events")
cli.add_typer(demo_cli, name="demo")


def _orion(settings: Settings | None = None) -> Orion:
    settings = settings or Settings()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return bootstrap(settings)


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[bool, typer.Option("--demo", help="Load demo data first.")] = False,
) -> None:
    """Serve the API (and, on the embedded SQLite default, the projection engine)."""
    import uvicorn

    from interfaces.api.app import create_app
    from interfaces.demo import DEMO_CUSTOMER, DEMO_OWNER, DEMO_PASSWORD, load_demo

    settings = Settings()
    generated = settings.admin_token is None
    if generated:
        settings.admin_token = secrets.token_urlsafe(32)
    orion = _orion(settings)
    if demo:
        made = load_demo(orion)
        typer.echo(f"demo data: {made['stores']} stores, {made['products']} products loaded")
    base = f"http://{host}:{port}"
    # A token the operator chose is theirs already: never print it (logs are not secret).
    token = settings.admin_token if generated else "$ORION_ADMIN_TOKEN"
    # Double quotes: the shell expands $ORION_ADMIN_TOKEN in the pasted command.
    try_it = f'curl -H "Authorization: Bearer {token}" {base}/api/v1/admin/stores'
    typer.echo(
        "\nOrion is starting\n"
        f"  database       {redact_url(settings.database_url)}\n"
        f"  admin token    {token}"
        f"{'  (generated; set ORION_ADMIN_TOKEN to choose one)' if generated else ''}\n"
        f"  API docs       {base}/docs\n"
        f"  demo search    {base}/api/v1/shop/acme/products?q=wool\n"
        f"  try            {try_it}\n"
    )
    if not settings.run_projections_in_process:
        typer.echo(
            "  read models    followed by another process: start `orion projections run`\n"
            "                 beside this one (ORION_PROJECTIONS_IN_PROCESS is false)\n"
        )
    if demo:
        typer.echo(
            f"  demo team      {DEMO_OWNER} / {DEMO_PASSWORD}  (POST {base}/api/v1/auth/login)\n"
            f"  demo shopper   {DEMO_CUSTOMER} / {DEMO_PASSWORD}  "
            f"(POST {base}/api/v1/shop/acme/account/login)\n"
        )
    app = create_app(orion)
    freeze_start_up_objects()
    uvicorn.run(app, host=host, port=port, log_level="info")


@projections_cli.command("status")
def projections_status() -> None:
    """Position, lag, state and last move of every read model and reaction."""
    orion = _orion()
    now = datetime.now(UTC)
    for s in orion.follower_statuses():
        kind = "reaction" if s.kind == "reaction" else "read model"
        moved = "never" if s.moved_at is None else f"{_ago(now - s.moved_at)} ago"
        # "running" would mislead when nothing follows the log: say so instead.
        state = "stalled" if s.stalled else s.state
        line = (
            f"{s.name:<18} {kind:<10} {state:<10} position {s.position:>8} / head {s.head:<8} "
            f"lag {s.lag_events} events, {s.lag_seconds}s  moved {moved}"
        )
        if s.stalled:
            why = "is `orion projections run` running"
            if s.kind == "reaction":
                why += ", and the job queue reachable"
            line += f"\n    stalled: behind and not moving ({why}?)"
        if s.error:
            line += f"\n    failed at {s.error_position} ({s.error_topic}): {s.error}"
        if s.rebuild_error:
            line += f"\n    rebuild failed {s.rebuild_error}"
        typer.echo(line)


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


@projections_cli.command("run")
def projections_run(
    once: Annotated[bool, typer.Option("--once", help="Catch up, then exit.")] = False,
) -> None:
    """Follow the log: keep every read model up to date and queue the jobs reactions ask for
    (PostgreSQL: its own process)."""
    orion = _orion()
    if once:
        orion.projections.run_until_caught_up(timeout=3600)
        orion.reactions.run_until_caught_up(timeout=600)
        typer.echo("caught up")
        return
    stop = threading.Event()

    def on_sigterm(*_: Any) -> None:
        stop.set()
        for follower in orion.followers:
            follower.stop()
        orion.scheduler.stop()

    signal.signal(signal.SIGTERM, on_sigterm)

    def wake_all(_payload: str = "") -> None:
        for follower in orion.followers:
            follower.wake()

    if not orion.settings.is_sqlite:
        recorder: Any = orion.app.recorder
        listen_in_background(
            pg_conninfo(orion.settings.direct_url),  # LISTEN needs a session of its own
            recorder.channel_name,
            wake_all,
            stop,
        )
    # Reactions (e-mails to queue) follow the log beside the read models.
    orion.reactions.start()
    # Periodic jobs (the payment timeout) are queued from here too; their ids dedupe them.
    orion.scheduler.start()
    typer.echo("following the event log; Ctrl-C to stop")
    freeze_start_up_objects()
    try:
        orion.projections.run_forever()
    except KeyboardInterrupt:
        stop.set()


def redact_url(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@projections_cli.command("rebuild")
def projections_rebuild(
    name: str,
    wait: Annotated[bool, typer.Option(help="Run the rebuild here until it is swapped in.")] = True,
) -> None:
    """Rebuild read model NAME from position 0 into fresh tables; queries keep using the old
    ones. (A reaction has no tables to rebuild.)"""
    orion = _orion()
    if name in orion.reactions.reactions:
        typer.echo(f"{name!r} is a reaction: it has no tables to rebuild (resume it instead)")
        raise typer.Exit(2)
    if name not in orion.projections.projections:
        typer.echo(f"no projection {name!r}; known: {', '.join(orion.projections.projections)}")
        raise typer.Exit(2)
    generation = orion.projections.request_rebuild(name)
    typer.echo(f"rebuilding {name} into generation {generation}")
    if not wait:
        return
    started = time.monotonic()
    while orion.projections.status(name).state == "rebuilding":
        if orion.projections.run_once([name]) == 0:
            # Swapped in, or caught up and waiting for other processes to read the new
            # tables: nothing to do but look again in a moment.
            time.sleep(0.05)
    typer.echo(f"{name}: generation {generation} live after {time.monotonic() - started:.1f}s")


@projections_cli.command("resume")
def projections_resume(name: str) -> None:
    """Let a failed read model or reaction try again now (after a fix), not after its back-off.

    The process that follows the log sees it within a moment."""
    orion = _orion()
    follower = next((f for f in orion.followers if name in f.handlers), None)
    if follower is None:
        known = [n for f in orion.followers for n in f.handlers]
        typer.echo(f"no projection or reaction {name!r}; known: {', '.join(known)}")
        raise typer.Exit(2)
    follower.resume(name)
    status = follower.status(name)
    typer.echo(f"{name}: {status.state} at position {status.position} / head {status.head}")


@events_cli.command("tail")
def events_tail(
    follow: Annotated[bool, typer.Option("--follow/--no-follow", "-f")] = True,
    last: Annotated[int, typer.Option(help="Start this many events before the head.")] = 10,
) -> None:
    """Print events as they are appended (one JSON line each)."""
    orion = _orion()
    recorder = orion.app.recorder
    position = max(0, (recorder.max_notification_id() or 0) - last)
    while True:
        batch = recorder.select_notifications(position + 1, 500)
        for n in batch:
            event = orion.app.mapper.to_domain_event(n)
            typer.echo(json.dumps(_event_line(n.id, n.topic, event), default=str))
            position = n.id
        if not batch:
            if not follow:
                return
            time.sleep(0.5)


def _event_line(position: int, topic: str, event: Any) -> dict[str, Any]:
    return {
        "position": position,
        "type": topic.split(":")[-1],
        "aggregate_id": str(event.originator_id),
        "version": event.originator_version,
        "at": event.timestamp,
        "meta": event_metadata(event) or None,
        "data": event_data(event),
    }


@events_cli.command("show")
def events_show(
    aggregate_id: UUID,
    version: Annotated[int | None, typer.Option(help="State at this version.")] = None,
    at: Annotated[datetime | None, typer.Option(help="State as at this time (ISO-8601).")] = None,
) -> None:
    """An aggregate's history and its state (now, at --version N, or --at T)."""
    from domain.shared.errors import OrionError

    audit = AuditService(_orion().app)
    try:
        history = audit.history(aggregate_id)
        state = audit.state(aggregate_id, version=version, at=at)
    except OrionError as error:
        typer.echo(f"error: {error.detail}", err=True)
        raise typer.Exit(1) from None
    for item in history:
        typer.echo(json.dumps(asdict(item), default=str))
    typer.echo(json.dumps({"state": state}, default=str, indent=2))


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo stores and products (skips stores that already exist)."""
    from interfaces.demo import load_demo

    orion = _orion()
    made = load_demo(orion)
    if orion.settings.run_projections_in_process:
        orion.projections.run_until_caught_up(timeout=600)
    typer.echo(f"demo data: {made['stores']} stores, {made['products']} products loaded")


@cli.command()
def worker(
    burst: Annotated[bool, typer.Option("--burst", help="Run the queued jobs, then exit.")] = False,
) -> None:
    """Run background jobs (e-mails, …) from the Redis queue "orion"."""
    settings = Settings()
    if not settings.redis_url:
        typer.echo(
            "error: the embedded default runs jobs in-process; set ORION_REDIS_URL to run a worker",
            err=True,
        )
        raise typer.Exit(2)
    import redis
    from rq import Queue, SimpleWorker

    from adapters.queue import QUEUE_NAME, rq_job_class

    orion = _orion(settings)
    connection = redis.Redis.from_url(settings.redis_url)
    # SimpleWorker runs each job in this process instead of a fork per job: the bootstrapped
    # application (and its connection pools, which are not fork-safe) serves every job. Its
    # jobs are found by name in the job table bootstrap built, their collaborators bound.
    rq_worker = SimpleWorker(
        [Queue(QUEUE_NAME, connection=connection)],
        connection=connection,
        job_class=rq_job_class(orion.job_table),
    )
    niceness = lower_priority(settings.worker_nice)
    typer.echo(
        f"worker on {redact_url(settings.redis_url)}, queue {QUEUE_NAME!r}, CPU priority nice "
        f"{niceness}"
    )
    freeze_start_up_objects()
    try:
        # The scheduler moves retries (10 s, 1 min, 5 min later) back onto the queue.
        rq_worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level)
    finally:
        orion.close()


def lower_priority(increment: int) -> int:
    """Lower this process's CPU priority by ``increment``; returns its niceness now."""
    if not hasattr(os, "nice"):  # not on Windows
        return 0
    return os.nice(increment)


admin_cli = typer.Typer(help="Platform administration: users.", no_args_is_help=True)
cli.add_typer(admin_cli, name="admin")


@admin_cli.command("create-user")
def admin_create_user(
    email: Annotated[str, typer.Option(help="The user's e-mail address (their login).")],
    name: Annotated[str, typer.Option(help="The user's full name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Prompted (hidden, twice) when not given: a shell history keeps arguments.",
        ),
    ],
) -> None:
    """Create a platform admin (the first one, say: no API call can until one exists)."""
    from application.context import CommandContext
    from domain.shared.errors import OrionError

    orion = _orion()
    try:
        result = orion.users.create(
            CommandContext(actor="system:cli"),
            email=email,
            password=password,
            name=name,
            platform_admin=True,
        )
    except OrionError as error:
        field = getattr(error, "field", None)
        typer.echo(f"error: {field + ': ' if field else ''}{error.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        orion.close()
    typer.echo(str(result.id))


def main() -> None:
    sys.exit(cli())


if __name__ == "__main__":
    main()
