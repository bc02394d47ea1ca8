"""The code blocks of README.md and docs/*.md, read and run as a reader would (``test_docs.py`` is the test).

Every fenced block names its language; what happens to it depends on that language:

- ``python``: run. The ``python`` and ``pycon`` blocks of one document run in order in one namespace, like one
  interpreter session, so a block can use what an earlier block defined. A top-level statement that shows
  something (a bare expression that is not a call, say ``call.method``; a bare call whose value is not ``None``;
  a statement that calls ``print``) is compared with the comment that goes with it, when it has one: the comment
  at the end of its last line, or else the comment lines right below it (at the left margin, up to a blank line
  or code), as the repr (or the printed text) it shows. ``...`` in that comment matches any text, as with
  doctest's ELLIPSIS. Comments on other statements (an assignment, an import, a call that returns ``None``) are
  prose. Functions named ``test_*`` that a block defines are called once the block has run, as the reader's
  pytest would run them: docs/testing.md shows tests of the reader's own code, for which ``tests/docs/user_code/``
  stands in.
- ``pycon``: ``>>>`` examples, run with doctest (ELLIPSIS) in the same namespace as the ``python`` blocks.
- ``console``: ``$ `` starts a command (a line ending in ``\\`` continues it); the lines up to the next ``$ `` are
  its output, compared like the comments above (stdout and stderr together). A last output line
  ``(exit status N)`` says the command exits with N (as ``make demo`` prints it); otherwise it must exit with 0.
- ``sh``: every line (with ``\\`` continuations; comment lines and blank lines aside) is a command that must exit
  with 0; its output is not compared.
- ``text``: shown as is (outputs of machine-dependent runs, trees). With the option ``paths`` (```` ```text
  paths ````), the first word of every line (but those that start with a space: continuations) is a path that
  must exist in the repository.
- ``json``: must parse (duplicate keys rejected); ``type=NAME`` also checks it with ``yc_contracts.check(NAME)``,
  which must find nothing.
- ``toml``: must parse; a ``[tool.yc-contracts]`` table must be one the CLI accepts, each payload glob mapping to
  a type or route the contract knows.
- ``yaml``: every document must parse; a pre-commit configuration (``repo`` entries with ``hooks``) may name only
  the hooks ``.pre-commit-hooks.yaml`` ships.

Words after the language are options (GitHub ignores them): ``pytest`` (on a ``python`` block) also runs the block
as a test module with pytest itself, in a subprocess with the installed plugins (the ``yc_emulator`` fixture), where
every test it collects must pass; ``needs=MODULE`` runs a block only where MODULE is
installed (the official SDK is in the protobuf 6 test environment only); the test reports the others as skipped.

Commands and Python blocks run in a scratch copy of the repository (one per document, in order, so a document is
one terminal session: ``cd DIR`` on a line of its own moves the later commands of the document), never in the
repository itself; the test environment's ``bin`` comes first on ``PATH``, and the virtualenvs are linked in (the
running test environment as ``.venv`` where the repository has none, so ``.venv/bin/python`` lines run). The
copy is a git repository with one commit on ``main``, as a fresh clone is. ``make TARGET`` lines are checked
with ``make -n TARGET`` (the target exists and the Makefile parses) and not run, since ``make test`` runs this
test: running ``make test`` inside it would recurse.
"""

from __future__ import annotations

import ast
import contextlib
import doctest
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tokenize
import tomllib
import traceback
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
USER_CODE = Path(__file__).resolve().parent / "user_code"

#: seconds one command of a ``console``/``sh`` block may take
COMMAND_TIMEOUT = 60

RUNNABLE = frozenset({"python", "pycon", "console", "sh"})
DATA = frozenset({"text", "json", "toml", "yaml"})
LANGUAGES = RUNNABLE | DATA

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_EXIT_STATUS = re.compile(r"^\(exit status (\d+)\)$")


def documents() -> list[Path]:
    """README.md and docs/*.md: the documents whose blocks must run."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


# ---------------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Block:
    """One fenced code block of a document."""

    doc: str
    """The document, relative to the repository root (``docs/cli.md``)."""
    line: int
    """Line of the opening fence (1-based)."""
    language: str
    options: dict[str, str]
    text: str

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def first_line(self) -> int:
        """Line of the block's first line of code."""
        return self.line + 1


@dataclass
class Document:
    path: Path
    name: str
    """How messages name it: its path relative to the repository root."""
    blocks: list[Block] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Blocks that cannot be classified: no language, an unknown one, an unclosed fence, an indented block."""


def read_document(path: Path, name: str | None = None) -> Document:
    """The fenced blocks of a Markdown document, and what keeps any of them from being checked."""
    doc = Document(path, name or path.relative_to(ROOT).as_posix())
    lines = path.read_text(encoding="utf-8").splitlines()
    i, previous_blank = 0, True
    while i < len(lines):
        line = lines[i]
        opening = _FENCE.match(line)
        if opening is None:
            if previous_blank and line.strip() and line.startswith(("    ", "\t")):
                doc.problems.append(
                    f"{doc.name}:{i + 1}: an indented code block: write it as a fenced block with a language"
                )
                while i + 1 < len(lines) and (not lines[i + 1].strip() or lines[i + 1].startswith(("    ", "\t"))):
                    i += 1
            previous_blank = not line.strip()
            i += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        start, body = i, []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        else:
            doc.problems.append(f"{doc.name}:{start + 1}: the fence opened here is never closed")
            break
        i += 1
        previous_blank = False
        words = info.split()
        if not words:
            doc.problems.append(
                f"{doc.name}:{start + 1}: a code block without a language (one of {', '.join(sorted(LANGUAGES))})"
            )
            continue
        language, options = words[0], {}
        for word in words[1:]:
            key, _, value = word.partition("=")
            options[key] = value
        if language not in LANGUAGES:
            doc.problems.append(
                f"{doc.name}:{start + 1}: a code block in {language!r}, which the docs test cannot check "
                f"(it knows {', '.join(sorted(LANGUAGES))})"
            )
            continue
        unknown = set(options) - {"needs", "paths", "type", "pytest"}
        if unknown:
            doc.problems.append(f"{doc.name}:{start + 1}: unknown block option(s) {sorted(unknown)}")
            continue
        doc.blocks.append(Block(doc.name, start + 1, language, options, "\n".join(body) + "\n"))
    return doc


# ---------------------------------------------------------------------------------------------------- failures


class BlockError(AssertionError):
    """A block did not do what its document says; the message says where, what ran and what came out."""


class UnmetNeedError(Exception):
    """A block needs something this environment lacks (``needs=MODULE``)."""


def _indent(text: str) -> str:
    return "".join(f"    | {line}\n" for line in text.rstrip("\n").split("\n"))


def matches(want: str, got: str) -> bool:
    """``got`` is what ``want`` shows (trailing spaces aside; ``...`` matches any text, as doctest's ELLIPSIS)."""
    want = "\n".join(line.rstrip() for line in want.strip("\n").split("\n")) + "\n"
    got = "\n".join(line.rstrip() for line in got.strip("\n").split("\n")) + "\n"
    return doctest.OutputChecker().check_output(want, got, doctest.ELLIPSIS)


# ---------------------------------------------------------------------------------------------------- python


@dataclass(frozen=True)
class Statement:
    node: ast.stmt
    code: str
    expected: str | None
    """The output comment that goes with it, or ``None``."""
    shows: str
    """``"value"`` (a bare expression), ``"call"`` (a bare call), ``"print"`` (it calls print) or ``""``."""


def _comments(source: str) -> dict[int, tuple[int, str, bool]]:
    """Comment of each line: (column, text after ``#``, whether code precedes it on that line)."""
    found: dict[int, tuple[int, str, bool]] = {}
    lines = source.split("\n")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            row, column = token.start
            text = token.string[1:]
            text = text.removeprefix(" ")
            found[row] = (column, text, bool(lines[row - 1][:column].strip()))
    return found


def _calls_print(node: ast.AST) -> bool:
    """Whether running ``node`` calls ``print`` (the bodies of functions and classes it defines aside)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print":
        return True
    return any(
        _calls_print(child)
        for child in ast.iter_child_nodes(node)
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)
    )


def _shows(node: ast.stmt) -> str:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return ""
    if _calls_print(node):
        return "print"
    if isinstance(node, ast.Expr):
        return "call" if isinstance(node.value, ast.Call) else "value"
    return ""


def statements(source: str) -> list[Statement]:
    """The top-level statements of a block, each with its output comment."""
    tree = ast.parse(source)
    comments = _comments(source)
    lines = source.split("\n")
    found = []
    for index, node in enumerate(tree.body):
        last = node.end_lineno or node.lineno
        following = tree.body[index + 1].lineno if index + 1 < len(tree.body) else len(lines) + 1
        expected: list[str] = []
        trailing = comments.get(last)
        if trailing is not None and trailing[2]:
            expected.append(trailing[1])
        else:
            row = last + 1
            while row < following and row in comments and comments[row][0] == 0 and not comments[row][2]:
                expected.append(comments[row][1])
                row += 1
        code = "\n".join(lines[node.lineno - 1 : last])
        found.append(Statement(node, code, "\n".join(expected) if expected else None, _shows(node)))
    return found


@contextlib.contextmanager
def _hypothesis_for_docs() -> Iterator[None]:
    """Hypothesis as a reader's test run would have it, minus what depends on the machine or leaves files.

    The number of examples is hypothesis' own default (100), not this suite's profile: the documents show no
    ``settings``. Off: the per-example deadline and the ``too_slow`` health check (wall-clock budgets, which a
    busy machine misses; the property suite's profiles turn them off for the same reason) and the example
    database (it would write ``.hypothesis/`` into the working directory).
    """
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:  # documents without hypothesis do not need it
        yield
        return
    previous = settings.get_current_profile_name()
    settings.register_profile(
        "yc-contracts-docs",
        max_examples=100,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.load_profile("yc-contracts-docs")
    try:
        yield
    finally:
        settings.load_profile(previous)


# ---------------------------------------------------------------------------------------------------- sessions


@dataclass
class Command:
    line: int
    text: str
    output: list[str]
    status: int


def console_commands(block: Block) -> list[Command]:
    """The commands of a ``console`` block: ``$ `` lines, their continuations, their output lines."""
    commands: list[Command] = []
    continuing = False
    for offset, line in enumerate(block.text.rstrip("\n").split("\n")):
        if continuing:
            commands[-1].text += "\n" + line
        elif line.startswith("$ "):
            commands.append(Command(block.first_line + offset, line[2:], [], 0))
        elif commands:
            commands[-1].output.append(line)
        elif line.strip():
            raise BlockError(f"{block.where}: line {block.first_line + offset} is output before any `$ ` command")
        continuing = line.endswith("\\")
    for command in commands:
        while command.output and not command.output[-1].strip():
            command.output.pop()
        status = _EXIT_STATUS.match(command.output[-1]) if command.output else None
        if status:
            command.status = int(status[1])
            command.output.pop()
    return commands


def sh_commands(block: Block) -> list[Command]:
    """The commands of an ``sh`` block: every line that is not blank or a comment, with ``\\`` continuations."""
    commands: list[Command] = []
    continuing = False
    for offset, line in enumerate(block.text.rstrip("\n").split("\n")):
        if continuing:
            commands[-1].text += "\n" + line
        elif line.strip() and not line.lstrip().startswith("#"):
            commands.append(Command(block.first_line + offset, line, [], 0))
        continuing = line.endswith("\\") and bool(commands)
    return commands


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    env["PYTHONUNBUFFERED"] = "1"  # stdout and stderr in the order a terminal shows them
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def make_scratch_copy(dest: Path) -> Path:
    """A copy of the repository's files at ``dest``, virtualenvs linked, as a git repository on ``main``.

    The files are those git sees in the work tree (tracked, and untracked but not ignored): a fresh clone's, plus
    the changes not committed yet; caches, builds and the work folders of tools stay out.
    """
    git = shutil.which("git")
    if git is None:
        raise UnmetNeedError("the docs test copies the repository with git, which is not installed")
    listed = subprocess.run(
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    dest.mkdir(parents=True)
    for name in sorted(set(listed.stdout.decode().split("\0")) - {""}):
        source, target = ROOT / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # deleted since git listed it
            shutil.copy2(source, target, follow_symlinks=False)
    for venv in sorted(ROOT.glob(".venv*")):
        (dest / venv.name).symlink_to(venv, target_is_directory=True)
    if not (dest / ".venv").exists():  # `make test-pb6` alone on a fresh clone: the test environment stands in
        (dest / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    ident = ["-c", "user.name=docs", "-c", "user.email=docs@localhost", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], [*ident, "commit", "-q", "-m", "the docs test"]):
        subprocess.run(
            [git, *args], cwd=dest, env=_environment(), check=True, capture_output=True, timeout=COMMAND_TIMEOUT
        )
    return dest


class DocSession:
    """One document's runnable blocks, run in order in one scratch copy and one Python namespace."""

    def __init__(self, doc: Document, scratch: Callable[[], Path]) -> None:
        self.doc = doc
        self._make_scratch = scratch
        self._root: Path | None = None
        self.cwd: Path | None = None
        module_name = "yc_contracts_docs_" + re.sub(r"\W", "_", doc.name)
        self.module = types.ModuleType(module_name)
        self.module.__file__ = str(doc.path)
        self.results: dict[int, BaseException | None] = {}
        """Line of each block already run → what it raised (``None``: it did what the document says)."""

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = self._make_scratch()
            self.cwd = self._root
        return self._root

    def run(self, block: Block) -> None:
        """Run the document's runnable blocks up to and including ``block``; raise what ``block`` raised."""
        for earlier in self.doc.blocks:
            if earlier.language not in RUNNABLE or earlier.line in self.results:
                continue
            try:
                self._run_one(earlier)
            except (BlockError, UnmetNeedError) as e:
                self.results[earlier.line] = e
            except Exception as e:  # anything else is a bug of the docs test, reported with its traceback
                self.results[earlier.line] = BlockError(
                    f"{earlier.where}: the docs test itself failed:\n{''.join(traceback.format_exception(e))}"
                )
            else:
                self.results[earlier.line] = None
            if earlier.line == block.line:
                break
        outcome = self.results[block.line]
        if isinstance(outcome, BlockError):
            failed = [
                f"{self.doc.name}:{line}"
                for line, e in self.results.items()
                if line < block.line and isinstance(e, BlockError)
            ]
            if failed:
                # each failure is reported by its own block's test; this one may only follow from an earlier one
                raise BlockError(f"{outcome}\n(earlier blocks of the document failed too: {', '.join(failed)})")
        if outcome is not None:
            raise outcome

    def _run_one(self, block: Block) -> None:
        needs = block.options.get("needs")
        if needs:
            try:
                __import__(needs)
            except ImportError:
                raise UnmetNeedError(
                    f"{block.where} needs {needs}, which is not installed in this environment"
                ) from None
        root = self.root
        assert self.cwd is not None
        if block.language in {"python", "pycon"}:
            sys.modules[self.module.__name__] = self.module
            sys.path.insert(0, str(USER_CODE))
            try:
                with contextlib.chdir(self.cwd), _hypothesis_for_docs():
                    if block.language == "python":
                        self._run_python(block)
                        if "pytest" in block.options:
                            self._run_pytest(block)
                    else:
                        self._run_pycon(block)
            finally:
                sys.path.remove(str(USER_CODE))
                del sys.modules[self.module.__name__]
        else:
            commands = console_commands(block) if block.language == "console" else sh_commands(block)
            if not commands:
                raise BlockError(f"{block.where}: a {block.language} block without a command")
            for command in commands:
                self._run_command(block, command, root)

    # --- python

    def _run_python(self, block: Block) -> None:
        namespace = self.module.__dict__
        try:
            found = statements(block.text)
        except SyntaxError as e:
            raise BlockError(f"{block.where}: not Python: {e.msg} (line {block.line + (e.lineno or 0)})") from None
        before = {name: value for name, value in namespace.items() if name.startswith("test_")}
        for statement in found:
            self._run_statement(block, statement, namespace)
        tests = [
            (name, value)
            for name, value in namespace.items()
            if name.startswith("test_") and callable(value) and before.get(name) is not value
        ]
        for name, test in tests:
            try:
                test()
            except Exception as e:
                raise BlockError(
                    f"{block.where}: {name}(), the test this block defines, fails when run"
                    f" (against tests/docs/user_code/ as the reader's code):\n"
                    + _indent("".join(traceback.format_exception(e)))
                ) from None

    def _run_pytest(self, block: Block) -> None:
        """A ``python pytest`` block is also a test module of the reader's: run it with pytest itself (in a
        subprocess, the installed yc_emulator plugin and all), where every test it collects must pass."""
        assert self.cwd is not None
        module = self.cwd / f"test_doc_block_{block.line}.py"
        module.write_text(block.text, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(USER_CODE), os.environ.get("PYTHONPATH", "")])}
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error", str(module)],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        if result.returncode != 0 or " passed" not in summary or any(w in summary for w in ("skipped", "xfail")):
            raise BlockError(
                f"{block.where}: pytest on this block (as the reader's test module) did not pass every test:\n"
                + _indent(result.stdout[-4000:] + result.stderr[-2000:])
            )

    def _run_statement(self, block: Block, statement: Statement, namespace: dict[str, Any]) -> None:
        node = statement.node
        ast.increment_lineno(node, block.line)
        line = node.lineno
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                if isinstance(node, ast.Expr):
                    value = eval(compile(ast.Expression(node.value), self.doc.name, "eval"), namespace)
                else:
                    value = None
                    exec(compile(ast.Module([node], type_ignores=[]), self.doc.name, "exec"), namespace)
        except Exception as e:
            raise BlockError(
                f"{block.where}: line {line} raised {type(e).__name__}:\n{_indent(statement.code)}"
                + _indent("".join(traceback.format_exception(e)))
            ) from None
        shown = printed.getvalue()
        if isinstance(node, ast.Expr) and value is not None:
            shown += repr(value) + "\n"
        if statement.expected is None:
            return
        compared = statement.shows in {"value", "print"} or (statement.shows == "call" and value is not None)
        if compared and not matches(statement.expected, shown):
            raise BlockError(
                f"{block.where}: line {line} shows something else than its comment says.\n"
                f"  statement:\n{_indent(statement.code)}  the comment (expected):\n{_indent(statement.expected)}"
                f"  what it shows (printed, then the repr of its value):\n{_indent(shown or '(nothing)')}"
            )

    def _run_pycon(self, block: Block) -> None:
        parser = doctest.DocTestParser()
        test = parser.get_doctest(block.text, self.module.__dict__, block.where, self.doc.name, block.line)
        if not test.examples:
            raise BlockError(f"{block.where}: a pycon block without a >>> example")
        out = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        runner.run(test, out=out.write, clear_globs=False)
        if runner.failures:
            raise BlockError(f"{block.where}: {runner.failures} doctest example(s) failed:\n{out.getvalue()}")

    # --- commands

    def _run_command(self, block: Block, command: Command, root: Path) -> None:
        assert self.cwd is not None
        try:
            words = shlex.split(command.text.replace("\\\n", " "), comments=True)
        except ValueError as e:
            raise BlockError(f"{block.where}: line {command.line}: cannot split `{command.text}`: {e}") from None
        where = f"{block.where}: line {command.line}, `$ {command.text}`"
        if words[:1] == ["cd"] and len(words) == 2 and not re.search(r"[;&|<>]", command.text.split("#")[0]):
            target = (self.cwd / words[1]).resolve()
            if not target.is_dir() or not target.is_relative_to(root.resolve()):
                raise BlockError(f"{where}: no folder {words[1]} there (in the repository's scratch copy)")
            self.cwd = target
            return
        if "make" in words:
            if words[0] != "make" or re.search(r"[;&|<>`$]", command.text.split("#")[0]):
                raise BlockError(f"{where}: only plain `make TARGET...` lines can be checked (with make -n)")
            argv = ["make", "-n", *words[1:]]
        else:
            argv = ["bash", "-c", command.text]
        try:
            run = subprocess.run(
                argv,
                cwd=self.cwd,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=COMMAND_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise BlockError(f"{where}: still running after {COMMAND_TIMEOUT} s") from None
        except FileNotFoundError as e:
            raise BlockError(f"{where}: cannot start {argv[0]}: {e}") from None
        output = run.stdout.decode("utf-8", errors="replace")
        ran = " ".join(shlex.quote(a) for a in argv) if argv[0] == "make" else command.text
        relative = self.cwd.relative_to(root.resolve()).as_posix() if self.cwd != root else "."
        context = f"{where}\n  ran `{ran}` in {relative}/ of a scratch copy of the repository"
        if run.returncode != command.status:
            raise BlockError(
                f"{context}\n  exit status {run.returncode}, the document says {command.status}"
                f" (a last output line `(exit status N)` says N); output:\n{_indent(output or '(nothing)')}"
            )
        if argv[0] == "make" and command.output:
            raise BlockError(f"{context}\n  output shown after a make line, which is checked with make -n only")
        if command.output and not matches("\n".join(command.output), output):
            raise BlockError(
                f"{context}\n  the output differs from the document's.\n"
                f"  the document (expected):\n{_indent(chr(10).join(command.output))}"
                f"  the command printed:\n{_indent(output or '(nothing)')}"
            )


# ---------------------------------------------------------------------------------------------------- data


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    doubled = sorted({k for k in keys if keys.count(k) > 1})
    if doubled:
        raise ValueError(f"duplicate key(s) {doubled}")
    return dict(pairs)


def check_data(block: Block) -> None:
    """Check a data block: it parses, and what it claims (a payload's type, a configuration) holds."""
    if block.language == "text":
        _check_text(block)
    elif block.language == "json":
        _check_json(block)
    elif block.language == "toml":
        _check_toml(block)
    elif block.language == "yaml":
        _check_yaml(block)
    else:
        raise BlockError(f"{block.where}: {block.language!r} is not a data block")


def _check_text(block: Block) -> None:
    if "paths" not in block.options:
        return
    missing = []
    for offset, line in enumerate(block.text.split("\n")):
        if line.strip() and not line[0].isspace() and not (ROOT / line.split()[0]).exists():
            missing.append(f"line {block.first_line + offset}: {line.split()[0]}")
    if missing:
        raise BlockError(f"{block.where}: paths that do not exist in the repository:\n" + "\n".join(missing))


def _check_json(block: Block) -> None:
    try:
        payload = json.loads(block.text, object_pairs_hook=_no_duplicates)
    except ValueError as e:
        raise BlockError(f"{block.where}: not JSON: {e}") from None
    name = block.options.get("type")
    if name:
        import yc_contracts

        found = yc_contracts.check(name, payload)
        if found:
            listed = "".join(f"    {v.path} [{v.rule}] {v.severity}: {v.message}\n" for v in found)
            raise BlockError(f"{block.where}: the payload is not a valid {name}:\n{listed}")


def _check_toml(block: Block) -> None:
    try:
        document = tomllib.loads(block.text)
    except tomllib.TOMLDecodeError as e:
        raise BlockError(f"{block.where}: not TOML: {e}") from None
    if "yc-contracts" not in document.get("tool", {}):
        return
    import yc_contracts
    from yc_contracts.cli.config import ConfigError, parse

    try:
        config = parse(ROOT / "pyproject.toml", document)
    except ConfigError as e:
        raise BlockError(f"{block.where}: the CLI rejects this [tool.yc-contracts] table: {e}") from None
    assert config is not None
    for entry in config.payloads:
        try:
            yc_contracts.schema_for(entry.target)
        except Exception as e:
            raise BlockError(
                f"{block.where}: {entry.glob!r} maps to {entry.target!r}, which the contract does not know: {e}"
            ) from None


def _check_yaml(block: Block) -> None:
    import yaml

    try:
        documents = list(yaml.safe_load_all(block.text))
    except yaml.YAMLError as e:
        raise BlockError(f"{block.where}: not YAML: {e}") from None
    shipped = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    for document in documents:
        repos = document.get("repos", document) if isinstance(document, dict) else document
        if not isinstance(repos, list):
            continue
        for repo in repos:
            if isinstance(repo, dict) and "hooks" in repo:
                unknown = sorted(h.get("id") for h in repo["hooks"] if h.get("id") not in shipped)
                if unknown:
                    raise BlockError(
                        f"{block.where}: hooks {unknown} are not in .pre-commit-hooks.yaml ({sorted(shipped)})"
                    )
