"""``yc-contracts validate``: payload files (and folders of them) checked against the contract.

Which files, and against which message type: :func:`plan` turns the command line and the ``[tool.yc-contracts]``
configuration into :class:`~yc_contracts.cli.files.FileJob` values; :func:`run_jobs` checks them, in a pool of
processes when there are many (results keep the order of the inputs); :mod:`yc_contracts.cli.reports` prints them.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO

from yc_contracts.cli.config import ProjectConfig
from yc_contracts.cli.files import FileJob, Finding, PayloadResult, Syntax, check_file, syntax_for
from yc_contracts.cli.reading import DEFAULT_MAX_INPUT_BYTES, reason

if TYPE_CHECKING:
    from yc_contracts.cli.streams import Streams
    from yc_contracts.contract.registry import Registry

PARALLEL_MIN_FILES: Final = 1000
"""From this many files on, the checks run in a process per core. A small payload takes about 0.1 ms to read and
check, so below a thousand files starting the pool and shipping results back costs more than it saves."""
PROGRESS_DELAY: Final = 0.5
"""Seconds a run takes before the progress bar appears (on a terminal only); short runs never show it."""
_BATCHES_PER_WORKER: Final = 8
EXIT_NOTHING_CHECKED: Final = 2

NO_TYPE_HELP: Final = (
    'pass --type NAME or --route "VERB /path", or map the file to a type under [tool.yc-contracts.payloads] '
    "in pyproject.toml (see docs/cli.md)"
)


def command(args: argparse.Namespace, streams: Streams) -> int:
    """Run ``validate`` and return its exit status (0 valid, 1 violations, 2 unreadable input, usage, or nothing
    to check without ``--allow-empty``)."""
    from yc_contracts.cli import registries
    from yc_contracts.cli.reports import WRITERS, describe_rule

    registry = registries.from_args(args)
    target = _command_line_target(args, registry)
    jobs = list(
        plan(
            args.paths,
            streams,
            target=target,
            forced=args.input_format,
            ignore_unmapped=args.ignore_unmapped,
            max_bytes=args.max_input_size,
            registry=registry,
        )
    )
    if not jobs:
        what = "no payload files found (.json, .yaml, .yml, .ndjson, .jsonl)"
        if args.ignore_unmapped:
            what += " that [tool.yc-contracts.payloads] maps to a type"
        if not args.allow_empty:
            streams.stderr.write(f"yc-contracts: error: {what}: nothing was checked (--allow-empty accepts that)\n")
            return EXIT_NOTHING_CHECKED
        streams.stderr.write(f"yc-contracts: {what}\n")
    progress = _Progress(streams.stderr, len(jobs))
    try:
        results = run_jobs(jobs, workers=args.jobs, progress=progress, registry=registry)
    finally:
        progress.close()
    writer = WRITERS[args.format]
    options: dict[str, object] = {"warnings_as_errors": args.warnings_as_errors}
    if args.format == "text":
        options["verbose"] = args.verbose
    if args.format == "sarif":
        options["describe"] = describe_rule
    summary = writer(results, streams.stdout, **options)
    if args.format in ("json", "junit", "sarif"):
        streams.stderr.write(summary.sentence() + "\n")
    return summary.exit_code


def _command_line_target(args: argparse.Namespace, registry: Registry | None = None) -> str | None:
    """The schema key ``--type``/``--route`` name in ``registry`` (the contract's by default), checked now: a
    wrong name is a usage error that lists close names."""
    from yc_contracts.cli.streams import UsageError
    from yc_contracts.schema.store import schema_key

    if args.route is not None:
        verb, _, path = args.route.strip().partition(" ")
        if not path.strip().startswith("/"):
            raise UsageError(
                f'--route {args.route!r}: write it as "VERB /path", e.g. "POST /stt/v3/recognizeFileAsync"'
            )
        return schema_key(f"{verb.upper()} {path.strip()}", registry)
    if args.type is not None:
        return schema_key(args.type, registry)
    return None


# --------------------------------------------------------------------------------------------- planning


def plan(
    paths: Sequence[str],
    streams: Streams,
    *,
    target: str | None,
    forced: Syntax | None = None,
    ignore_unmapped: bool = False,
    max_bytes: int | None = None,
    registry: Registry | None = None,
) -> Iterator[FileJob]:
    """The files to check, in command-line order (a folder's files sorted), each with its type or its problem.

    ``max_bytes`` (``--max-input-size``) bounds every file; without it, each file's ``[tool.yc-contracts]``
    ``max-input-size`` does (standard input's: the current folder's), else the default. ``registry`` is where
    the ``[tool.yc-contracts.payloads]`` names are looked up (the contract's by default).
    """
    resolver = _TargetResolver(target, max_bytes, registry)
    for arg in paths:
        if arg == "-":
            yield _stdin_job(streams, resolver, target, forced)
            continue
        path = Path(arg)
        try:
            is_dir = stat.S_ISDIR(os.stat(arg).st_mode)
        except OSError as e:
            yield _unreadable(arg, f"cannot read the file: {reason(e)}")
            continue
        if is_dir:
            found = [
                item if isinstance(item, FileJob) else (str(item), item, forced or syntax_for(item) or "json")
                for item in _walk(path, resolver)
            ]
        else:
            syntax = forced or syntax_for(path)
            if syntax is None:
                message = "not a payload file (name it .json, .yaml, .yml, .ndjson or .jsonl, or pass --input-format)"
                problem = Finding("input.not_a_payload_file", message, 1, 1, kind="input")
                yield FileJob(arg, arg, "json", None, problem=problem)
                continue
            found = [(arg, path, syntax)]
        for entry in found:
            if isinstance(entry, FileJob):
                yield entry
                continue
            display, file, syntax = entry
            job = resolver.job(display, file, syntax)
            unmapped = job.problem is not None and job.problem.rule == "input.no_type"
            if not (ignore_unmapped and unmapped):
                yield job


def _unreadable(display: str, message: str) -> FileJob:
    return FileJob(display, None, "json", None, problem=Finding("input.unreadable", message, 1, 1, kind="input"))


def _stdin_job(streams: Streams, resolver: _TargetResolver, target: str | None, forced: Syntax | None) -> FileJob:
    from yc_contracts.cli.reading import InputError
    from yc_contracts.cli.streams import UsageError

    if target is None:
        raise UsageError("standard input (-) has no file name to look up: pass --type or --route")
    try:
        data = streams.read_stdin(resolver.max_bytes(Path.cwd()))
    except InputError as e:
        problem = Finding(e.rule, f"cannot read standard input: {e.message}", 1, 1, kind="input")
        return FileJob("-", None, forced or "json", target, problem=problem)
    return FileJob("-", None, forced or "json", target, data=data)


def _walk(top: Path, resolver: _TargetResolver) -> list[Path | FileJob]:
    """Payload files under ``top``, sorted by path; hidden names and ``exclude`` globs are skipped. A folder that
    cannot be read is a job with its problem, in its place."""
    found: list[tuple[tuple[str, ...], Path | FileJob]] = []

    def unreadable(error: OSError) -> None:
        where = Path(error.filename) if error.filename else top
        found.append((where.parts, _unreadable(str(where), f"cannot read the folder: {reason(error)}")))

    for folder, dirs, files in os.walk(top, onerror=unreadable):
        here = Path(folder)
        dirs[:] = [d for d in dirs if not d.startswith(".") and not resolver.excluded(here / d)]
        for name in files:
            file = here / name
            if not name.startswith(".") and syntax_for(name) is not None and not resolver.excluded(file):
                found.append((file.parts, file))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


class _TargetResolver:
    """Types for files: the command line's, or the nearest ``[tool.yc-contracts]`` mapping's (cached)."""

    def __init__(self, target: str | None, max_bytes: int | None = None, registry: Registry | None = None) -> None:
        self._target = target
        self._max_bytes = max_bytes
        self._registry = registry
        self._keys: dict[str, str | Finding] = {}

    def max_bytes(self, path: Path) -> int:
        """The largest file read at ``path``: ``--max-input-size``, else its configuration's, else the default."""
        if self._max_bytes is not None:
            return self._max_bytes
        config = self._config(path)
        if isinstance(config, ProjectConfig) and config.max_input_size is not None:
            return config.max_input_size
        return DEFAULT_MAX_INPUT_BYTES

    def _config(self, path: Path) -> ProjectConfig | Finding | None:
        from yc_contracts.cli.config import ConfigError, nearest

        try:
            return nearest(path)
        except ConfigError as e:
            return Finding("input.config", str(e), 1, 1, kind="input")

    def excluded(self, path: Path) -> bool:
        config = self._config(path)
        return config is not None and not isinstance(config, Finding) and config.excludes(path)

    def job(self, display: str, path: Path, syntax: Syntax) -> FileJob:
        limit = self.max_bytes(path)
        if self._target is not None:
            return FileJob(display, str(path), syntax, self._target, max_bytes=limit)
        if not path.exists():
            return FileJob(display, str(path), syntax, None, max_bytes=limit)  # reported as unreadable when read
        config = self._config(path)
        if isinstance(config, Finding):
            return FileJob(display, str(path), syntax, None, problem=config)
        entry = config.target_for(path) if config is not None else None
        if entry is None:
            where = f" ({config.path} maps no glob to it)" if config is not None else ""
            message = f"no message type for this file{where}: {NO_TYPE_HELP}"
            return FileJob(
                display, str(path), syntax, None, problem=Finding("input.no_type", message, 1, 1, kind="input")
            )
        key = self._key(entry.target, entry.glob, config)
        if isinstance(key, Finding):
            return FileJob(display, str(path), syntax, None, problem=key)
        return FileJob(display, str(path), syntax, key, max_bytes=limit)

    def _key(self, target: str, glob: str, config: ProjectConfig | None) -> str | Finding:
        from yc_contracts.contract.errors import UnknownNameError
        from yc_contracts.schema.store import schema_key

        found = self._keys.get(target)
        if found is None:
            try:
                found = schema_key(target, self._registry)
            except UnknownNameError as e:
                where = config.path if config is not None else "pyproject.toml"
                found = Finding("input.unknown_type", f"{where} maps {glob!r} to {e}", 1, 1, kind="input")
            self._keys[target] = found
        return found


# ---------------------------------------------------------------------------------------------- running


_worker_registry: Registry | None = None
"""The registry of a parallel run's jobs (``None``: the contract's), set before the pool forks: a registry is not
picklable, so forked workers inherit it instead of receiving it."""


def _check_batch(jobs: Sequence[FileJob]) -> list[PayloadResult]:
    return [result for job in jobs for result in check_file(job, registry=_worker_registry)]


def _fork_context() -> Any:
    import multiprocessing

    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def run_jobs(
    jobs: Sequence[FileJob],
    *,
    workers: int | None = None,
    progress: _Progress | None = None,
    registry: Registry | None = None,
) -> list[PayloadResult]:
    """Check every job against ``registry`` (the contract's by default); results in the order of ``jobs`` whether
    or not a process pool ran them. Another registry runs in a pool only where workers can be forked."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if registry is not None and _fork_context() is None:
        workers = 1
    if workers <= 1 or len(jobs) < PARALLEL_MIN_FILES:
        results: list[PayloadResult] = []
        for job in jobs:
            results += check_file(job, registry=registry)
            if progress is not None:
                progress.advance(1)
        return results
    return _run_parallel(jobs, workers, progress, registry)


def _run_parallel(
    jobs: Sequence[FileJob], workers: int, progress: _Progress | None, registry: Registry | None
) -> list[PayloadResult]:
    global _worker_registry  # noqa: PLW0603 - what forked workers inherit, set for the pool's lifetime only
    from concurrent.futures import ProcessPoolExecutor

    from yc_contracts.validation.validator import compiled_for

    # Compile every validator the run needs before the workers start: forked workers inherit them.
    for key in sorted({job.target for job in jobs if job.target is not None and job.problem is None}):
        compiled_for(key, registry=registry)
    size = max(1, len(jobs) // (workers * _BATCHES_PER_WORKER))
    batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    results: list[PayloadResult] = []
    _worker_registry = registry
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=_fork_context()) as pool:
            for batch, found in zip(batches, pool.map(_check_batch, batches), strict=True):
                results += found
                if progress is not None:
                    progress.advance(len(batch))
    finally:
        _worker_registry = None
    return results


class _Progress:
    """A one-line progress bar on standard error, drawn only on a terminal and only once a run takes a while:
    ``validating [####------] 3/10 files``. With ``always`` (``--progress``), a stream that is no terminal gets the
    same text as a line of its own at most once a second, and once at the end."""

    WIDTH: Final = 30

    def __init__(
        self,
        stream: TextIO,
        total: int,
        *,
        delay: float | None = None,
        doing: str = "validating",
        unit: str = "files",
        always: bool = False,
    ) -> None:
        try:
            tty = stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        self._stream = stream
        self._enabled = (tty or always) and total > 1
        self._lines = always and not tty
        self._doing, self._unit = doing, unit
        self._total = total
        self._done = 0
        self._start = time.monotonic()
        self._delay = 0.0 if self._lines else PROGRESS_DELAY if delay is None else delay
        self._last_draw = 0.0
        self._drawn = False

    def advance(self, count: int) -> None:
        self._done += count
        if not self._enabled:
            return
        now = time.monotonic()
        interval = 1.0 if self._lines else 0.1
        if now - self._start < self._delay or (now - self._last_draw < interval and self._done < self._total):
            return
        self._last_draw = now
        filled = self.WIDTH * self._done // max(self._total, 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        text = f"{self._doing} [{bar}] {self._done}/{self._total} {self._unit}"
        self._stream.write(f"{text}\n" if self._lines else f"\r{text}")
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn and not self._lines:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
