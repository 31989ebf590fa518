"""``worker`` and ``jobs``: backfill (by symbol, or by day file) shared by many machines
through Redis Streams."""

from __future__ import annotations

import itertools
import signal
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import TYPE_CHECKING

import click
from dependency_injector import providers

from chronox_domain.errors import InvalidInput
from chronox_domain.jobs import JobProgress, JobRunner, JobSpec
from chronox_entrypoints.cli.app import running
from chronox_entrypoints.cli.options import json_option, store_option
from chronox_entrypoints.cli.progress import progress_of
from chronox_entrypoints.cli.render import emit_json, note, table
from chronox_presentation import JobDetailOut

if TYPE_CHECKING:
    from chronox_domain.services.jobs import JobService
    from chronox_entrypoints.container import Container


@click.command()
@click.option("--name", help="Worker name (default: host-pid-random).")
@click.option("--max-jobs", type=click.IntRange(min=1), help="Stop after this many jobs.")
@store_option
def worker(name: str | None, max_jobs: int | None, store: str | None) -> None:
    """Consume backfill jobs from Redis until SIGTERM / Ctrl-C (run any number, anywhere)."""
    with running(store=store) as container:
        every = container.settings().progress_log_seconds
        logged = logged_jobs(container.job_runner(), every)
        with container.job_runner.override(providers.Object(logged)):
            consumer = container.worker(name=name)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            with suppress(ValueError):  # not the main thread (tests)
                signal.signal(signum, lambda *_: stop.set())
        note(f"worker {consumer.name}: waiting for jobs")
        if max_jobs is None:
            consumer.run(stop)
        else:
            done = 0
            while not stop.is_set() and done < max_jobs:
                done += int(consumer.run_once())
        consumer.close()
    note("worker stopped")


def logged_jobs(runner: JobRunner, every: float) -> JobRunner:
    """``runner``, each job's progress logged as it runs (its requests and counts so
    far, from the job's own progress) and its counts when it ends; jobs are numbered
    in the order this worker takes them."""
    taken = itertools.count(1)

    def run(spec: JobSpec, progress: JobProgress, cancelled: Callable[[], bool]) -> dict[str, int]:
        label = f"worker: job {next(taken)} ({spec.label})"
        with progress_of(label, "requests", every, parts=True) as logged:

            def both(done: int, total: int, counts: Mapping[str, int] | None = None) -> None:
                progress(done, total, counts)
                if counts is not None:
                    logged.counts_so_far(counts)
                logged.step(done, total)

            counts = runner(spec, both, cancelled)
            logged.counts_so_far(counts)
        return counts

    return run


@click.group()
def jobs() -> None:
    """Backfill jobs: list, show, cancel."""


def shared_jobs(container: Container, what: str) -> JobService:
    """The job service of the queue other processes share. Without Redis each process
    has a queue of its own that ends with it: a fresh CLI process would always list
    "no jobs" and find none to show or cancel, so the command is refused instead."""
    if not container.settings().redis_url:
        raise InvalidInput(f"{what} needs Redis, where jobs are kept: set CHRONOX_REDIS_URL")
    service: JobService = container.jobs()
    return service


@jobs.command("list")
@store_option
@json_option
def list_(store: str | None, as_json: bool) -> None:
    """Every known job, newest first (records that cannot be read are named on stderr)."""
    with running(store=store) as container:
        listing = shared_jobs(container, "jobs list").listing()
    found = listing.jobs
    if listing.unreadable:
        note(f"left out, unreadable: {', '.join(listing.unreadable)} (jobs show ID says why)")
    if as_json:
        emit_json([JobDetailOut.of(job) for job in found])
    elif not found:
        click.echo("no jobs")
    else:
        table(
            ["id", "state", "symbols", "progress", "bars", "worker"],
            [
                (j.id, j.state.value, j.spec.label, f"{j.done}/{j.total}",
                 j.counts.get("bars_written", 0), j.worker or "")
                for j in found
            ],
        )  # fmt: skip


@jobs.command()
@click.argument("job_id")
@store_option
def show(job_id: str, store: str | None) -> None:
    """One job as JSON."""
    with running(store=store) as container:
        emit_json(JobDetailOut.of(shared_jobs(container, "jobs show").get(job_id)))


@jobs.command()
@click.argument("job_id")
@store_option
def cancel(job_id: str, store: str | None) -> None:
    """Cancel a queued or running job (a running one stops after its current request)."""
    with running(store=store) as container:
        job = shared_jobs(container, "jobs cancel").cancel(job_id)
    click.echo(f"{job.id}: {job.state.value}")
