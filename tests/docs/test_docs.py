"""Every code block of README.md and docs/*.md runs, or parses, as the document says (see ``doc_blocks.py``).

One test per block, named after the document, the line of its opening fence and its language
(``README.md:37-python``). The ``python``/``pycon`` blocks of a document share one namespace and its commands one
scratch copy of the repository, in document order; a block's test first runs the blocks above it that have not
run yet (in this process), so each test also passes alone or on another xdist worker. ``make TARGET`` lines are
checked with ``make -n TARGET``, not run (this test is part of ``make test``). Run just these with
``.venv-pb6/bin/python -m pytest tests/docs -q`` (and ``.venv-pb7``).
"""

from __future__ import annotations

import doctest
import io
import re
import textwrap
from pathlib import Path

import pytest
from doc_blocks import (
    DATA,
    RUNNABLE,
    Block,
    BlockError,
    DocSession,
    Document,
    UnmetNeedError,
    check_data,
    documents,
    make_scratch_copy,
    read_document,
    statements,
)

import yc_contracts

DOCUMENTS = {doc.name: doc for doc in map(read_document, documents())}
RUNNABLE_BLOCKS = [b for doc in DOCUMENTS.values() for b in doc.blocks if b.language in RUNNABLE]
DATA_BLOCKS = [b for doc in DOCUMENTS.values() for b in doc.blocks if b.language in DATA]


def _id(block: Block) -> str:
    return f"{block.doc}:{block.line}-{block.language}"


class _Sessions(dict[str, DocSession]):
    """One session per document, created when its first block runs."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        super().__init__()
        self._tmp = tmp_path_factory

    def __missing__(self, name: str) -> DocSession:
        session = DocSession(DOCUMENTS[name], lambda: make_scratch_copy(self._tmp.mktemp("docs") / "repository"))
        self[name] = session
        return session


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DocSession]:
    return _Sessions(tmp_path_factory)


def _run(session: DocSession, block: Block) -> None:
    failure = skipped = None
    try:
        session.run(block)
    except UnmetNeedError as e:
        skipped = str(e)
    except BlockError as e:
        failure = str(e)
    # outside the except clauses, so that the report shows the message once, not chained to the exception
    if skipped is not None:
        pytest.skip(skipped)
    if failure is not None:
        pytest.fail(failure, pytrace=False)


def test_every_code_block_can_be_checked() -> None:
    """Every block has a language the test knows (so none is passed over), and every fence is closed."""
    problems = [problem for doc in DOCUMENTS.values() for problem in doc.problems]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", RUNNABLE_BLOCKS, ids=_id)
def test_block_runs_as_documented(block: Block, sessions: dict[str, DocSession]) -> None:
    _run(sessions[block.doc], block)


@pytest.mark.parametrize("block", DATA_BLOCKS, ids=_id)
def test_data_block_is_what_it_says(block: Block) -> None:
    failure = None
    try:
        check_data(block)
    except BlockError as e:
        failure = str(e)
    if failure is not None:
        pytest.fail(failure, pytrace=False)


def test_package_docstring_examples() -> None:
    """The ``>>>`` examples of ``yc_contracts.__doc__`` (the docstrings of the rest are not run here)."""
    assert yc_contracts.__doc__ is not None
    test = doctest.DocTestParser().get_doctest(yc_contracts.__doc__, {}, "yc_contracts", yc_contracts.__file__, 0)
    assert test.examples, "the package docstring lost its example"
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test, out=out.write)
    assert runner.failures == 0, out.getvalue()


# ---------------------------------------------------------------------------------------------------- the runner
# A docs test that passes whatever the documents say would be worse than none: these prove it notices.


def _document(tmp_path: Path, text: str) -> Document:
    path = tmp_path / "doc.md"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return read_document(path, "doc.md")


def _session(doc: Document, tmp_path: Path) -> DocSession:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "examples").mkdir()
    return DocSession(doc, lambda: scratch)


def test_reading_finds_every_fence_and_what_cannot_be_checked(tmp_path: Path) -> None:
    doc = _document(
        tmp_path,
        """\
        # Title

        ```python
        x = 1
        ```

        - a list item:

          ~~~~sh needs=nothing
          echo hi
          ~~~~

        ```
        no language
        ```

        ```rust
        fn main() {}
        ```

        Some text.

            indented code

        ```text
        never closed
        """,
    )
    assert [(b.line, b.language, b.options, b.text) for b in doc.blocks] == [
        (3, "python", {}, "x = 1\n"),
        (9, "sh", {"needs": "nothing"}, "echo hi\n"),
    ]
    assert [problem.split(": ", 1)[0] for problem in doc.problems] == [
        "doc.md:13",
        "doc.md:17",
        "doc.md:23",
        "doc.md:25",
    ]


def test_output_comments_go_with_their_statements() -> None:
    found = statements(
        textwrap.dedent(
            """\
            value = 1               # prose: an assignment shows nothing
            value                   # 1
            print(value)
            # 1
            # (a second line of output)

            # prose before a statement, after a blank line
            def f():
                print("not run here")
            f()
            """
        )
    )
    assert [(s.shows, s.expected) for s in found] == [
        ("", "prose: an assignment shows nothing"),
        ("value", "1"),
        ("print", "1\n(a second line of output)"),
        ("", None),
        ("call", None),
    ]


@pytest.mark.parametrize(
    ("block", "complaint"),
    [
        pytest.param(
            "```python\nx = 1 + 1\nx    # 3\n```\n", "shows something else than its comment says", id="wrong-value"
        ),
        pytest.param(
            "```python\nprint('a')\n# b\n```\n", "shows something else than its comment says", id="wrong-print"
        ),
        pytest.param("```python\nimport json\njson.loads('{')\n```\n", "line 3 raised JSONDecodeError", id="raises"),
        pytest.param(
            "```python\ndef test_it():\n    assert False\n```\n",
            "test_it(), the test this block defines, fails",
            id="failing-test-function",
        ),
        pytest.param("```pycon\n>>> 1 + 1\n3\n```\n", "1 doctest example(s) failed", id="failing-doctest"),
        pytest.param("```console\n$ false\n```\n", "exit status 1, the document says 0", id="exit-status"),
        pytest.param(
            "```console\n$ sh -c 'exit 2'\n(exit status 1)\n```\n",
            "exit status 2, the document says 1",
            id="other-exit-status",
        ),
        pytest.param("```console\n$ echo one\ntwo\n```\n", "the output differs from the document's", id="other-output"),
        pytest.param("```sh\ntrue\nfalse  # the second line fails\n```\n", "line 3, `$ false", id="sh-line-fails"),
        pytest.param("```console\n$ cd nowhere\n```\n", "no folder nowhere there", id="cd-nowhere"),
        pytest.param(
            "```console\n$ make nothing-of-the-kind\n```\n",
            "ran `make -n nothing-of-the-kind`",
            id="make-target-missing",
        ),
        pytest.param(
            "```console\n$ cd .. && make test\n```\n",
            "only plain `make TARGET...` lines can be checked",
            id="make-in-a-pipeline",
        ),
    ],
)
def test_a_block_that_does_not_do_what_it_says_fails(tmp_path: Path, block: str, complaint: str) -> None:
    doc = _document(tmp_path, block)
    (only,) = doc.blocks
    with pytest.raises(BlockError, match=re.escape(complaint)):
        _session(doc, tmp_path).run(only)


def test_a_block_that_does_what_it_says_passes(tmp_path: Path) -> None:
    doc = _document(
        tmp_path,
        """\
        ```python
        names = ["a", "b"]
        for name in names:
            print(name)
        # a
        # ...
        ```

        ```pycon
        >>> names[1]
        'b'
        ```

        ```console
        $ cd examples
        $ printf 'one\\ntwo\\nthree\\n'
        one
        ...
        three
        $ sh -c 'echo oops >&2; exit 1'
        oops
        (exit status 1)
        ```
        """,
    )
    session = _session(doc, tmp_path)
    for block in doc.blocks:
        session.run(block)
    assert session.cwd == tmp_path / "scratch" / "examples"


def test_a_block_needing_what_is_missing_is_not_run(tmp_path: Path) -> None:
    doc = _document(tmp_path, "```python needs=no_such_module_here\nraise SystemExit\n```\n")
    with pytest.raises(UnmetNeedError, match="needs no_such_module_here"):
        _session(doc, tmp_path).run(doc.blocks[0])


@pytest.mark.parametrize(
    ("block", "complaint"),
    [
        pytest.param('```json\n{"a": 1, "a": 2}\n```\n', "duplicate key", id="json-duplicate-key"),
        pytest.param(
            '```json type=speechkit.stt.v3.RecognizeFileRequest\n{"uri": 5}\n```\n',
            "not a valid",
            id="json-invalid-payload",
        ),
        pytest.param("```toml\n[tool.yc-contracts]\nbogus = 1\n```\n", "the CLI rejects", id="toml-bad-config"),
        pytest.param(
            '```toml\n[tool.yc-contracts.payloads]\n"*.json" = "no.such.Type"\n```\n',
            "does not know",
            id="toml-unknown-type",
        ),
        pytest.param(
            "```yaml\n- repo: x\n  hooks:\n    - id: no-such-hook\n```\n",
            "not in .pre-commit-hooks.yaml",
            id="yaml-unknown-hook",
        ),
        pytest.param(
            "```text paths\nsrc/yc_contracts/   here\nno/such/place   gone\n```\n",
            "line 3: no/such/place",
            id="text-missing-path",
        ),
    ],
)
def test_a_data_block_that_is_not_what_it_says_fails(tmp_path: Path, block: str, complaint: str) -> None:
    (only,) = _document(tmp_path, block).blocks
    with pytest.raises(BlockError, match=re.escape(complaint)):
        check_data(only)
