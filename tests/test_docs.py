"""Docs never rot: the code in docs/*.md and README.md runs, prints what the docs say it prints,
docs/api.md is what docs/gen_api.py generates, and every program in examples/ runs and prints
the results it promises.

Conventions for code in Markdown (also stated in docs/ir.md, "Code in these docs"):
- A ```python block is run. The blocks of one file run in order in one namespace, with the
  repository root as working directory; line numbers in tracebacks and in `# file:line`
  source annotations are the lines of the Markdown file.
- A ```output block right after a ```python block (only blank lines between) is what that
  block prints, exactly (trailing spaces and trailing blank lines aside).
- ```python norun marks a block that is shown but not run; every other fence (```text,
  ```bash, ```pycon ...) is not run. The ```pycon examples of docs/api.md are the docstrings,
  which tests/test_docstrings.py runs.
To refresh the ```output blocks of a file after a deliberate change, run
`python tests/test_docs.py --update docs/ir.md` and review the diff.
"""
from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import io
import itertools
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
FENCE = re.compile(r"^(\s*)```(\w*)[ \t]*(.*)$")


@dataclasses.dataclass
class Block:
    lang: str
    info: str
    line: int            # 1-based line of the first code line
    code: str
    output: Block | None = None
    end: int = 0         # 0-based index of the closing fence


def parse(text: str) -> list[Block]:
    """The fenced blocks of a Markdown text; each ```output is attached to the block before."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, lang, info = m.group(1), m.group(2), m.group(3).strip()
        j = i + 1
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        code = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                         for ln in lines[i + 1:j])
        block = Block(lang, info, i + 2, code + "\n" if code else "", end=j)
        between = lines[blocks[-1].end + 1:i] if blocks else []
        if (lang == "output" and blocks and blocks[-1].lang == "python"
                and not any(ln.strip() for ln in between) and blocks[-1].output is None):
            blocks[-1].output = block
        blocks.append(block)
        i = j + 1
    return blocks


def runnable(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b.lang == "python" and b.info != "norun"]


def _normalize(text: str) -> str:
    return "\n".join(ln.rstrip() for ln in text.rstrip().splitlines())


def run_blocks(path: pathlib.Path, blocks: list[Block]) -> list[str]:
    """Run the blocks in one namespace; returns what each printed."""
    namespace = {"__name__": "__docs__", "__file__": str(path)}
    printed = []
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for b in blocks:
            # Leading newlines make reported line numbers those of the Markdown file.
            code = compile("\n" * (b.line - 1) + b.code, str(path.relative_to(ROOT)), "exec")
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(code, namespace)  # our own docs
            printed.append(buf.getvalue())
    finally:
        os.chdir(cwd)
    return printed


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_markdown_code_runs_and_prints_its_output(path):
    blocks = runnable(parse(path.read_text()))
    printed = run_blocks(path, blocks)
    rel = path.relative_to(ROOT)
    for b, got in zip(blocks, printed, strict=True):
        if b.output is None:
            continue
        assert _normalize(got) == _normalize(b.output.code), (
            f"{rel}:{b.line}: the ```python block printed\n{got}\nbut the ```output block at "
            f"line {b.output.line} says\n{b.output.code}\nFix the doc or the code; if the new "
            f"output is right, run `python tests/test_docs.py --update {rel}` and review it.")


def test_output_blocks_follow_python_blocks():
    # An ```output block not attached to a ```python block would silently check nothing.
    for path in DOCS:
        blocks = parse(path.read_text())
        attached = {id(b.output) for b in blocks if b.output is not None}
        for b in blocks:
            if b.lang == "output":
                assert id(b) in attached, (
                    f"{path.relative_to(ROOT)}:{b.line}: ```output block without a ```python "
                    "block right before it")


def test_docs_have_code_that_runs():
    counts = {p.name: len(runnable(parse(p.read_text()))) for p in DOCS}
    for name in ("tutorial.md", "ir.md", "architecture.md", "README.md"):
        assert counts[name] > 0, f"{name} has no ```python block"
    checked = sum(b.output is not None for p in DOCS for b in parse(p.read_text()))
    assert checked >= 10, f"only {checked} ```output blocks"


def test_parse_attaches_outputs():
    text = "```python\nprint(1)\n```\n\n```output\n1\n```\n```python norun\nx\n```\n"
    blocks = parse(text)
    assert [b.lang for b in blocks] == ["python", "output", "python"]
    assert blocks[0].output is blocks[1] and blocks[0].line == 2
    assert runnable(blocks) == [blocks[0]]
    assert blocks[1].code == "1\n"


# --------------------------------------------------------------------------- docs/api.md


def _gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_md_is_generated_from_the_docstrings():
    expected = _gen_api().render()
    actual = (ROOT / "docs" / "api.md").read_text()
    assert actual == expected, (
        "docs/api.md is out of date with the docstrings: run `python docs/gen_api.py`")


def test_api_md_lists_every_public_name():
    gen = _gen_api()
    text = (ROOT / "docs" / "api.md").read_text()
    for module, prefix, _intro, names, _grouped in gen.SECTIONS:
        for name in names or gen.public_names(module):
            assert (f"\n### {prefix}.{name}\n" in text or f"| `{prefix}.{name}` |" in text), (
                f"{prefix}.{name} is missing from docs/api.md: run `python docs/gen_api.py`")


# --------------------------------------------------------------------------- examples


def run_example(name: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name)], check=False,
                          capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, f"examples/{name} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _floats(pattern: str, text: str) -> list[float]:
    return [float(x) for x in re.findall(pattern, text)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path):
    assert run_example(path.name).strip()


def test_mlp_loss_falls():
    out = run_example("mlp.py")
    losses = _floats(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", out)
    assert len(losses) >= 5, out
    assert losses[-1] < 0.1 * losses[0], losses
    assert sum(b < a for a, b in itertools.pairwise(losses)) >= len(losses) - 2, losses


def test_newton_converges_to_the_known_minimum():
    out = run_example("newton.py")
    (err,) = _floats(r"distance to the known minimum:\s+([0-9.eE+-]+)", out)
    assert err < 1e-10, out
    steps = _floats(r"iteration\s+\d+.*\|grad\|\s+([0-9.eE+-]+)", out)
    assert steps[-1] < 1e-10 < steps[0], steps


def test_forces_match_finite_differences():
    out = run_example("forces.py")
    (f_err,) = _floats(r"max \|F - finite differences\|:\s+([0-9.eE+-]+)", out)
    (k_err,) = _floats(r"max \|K - finite differences\|:\s+([0-9.eE+-]+)", out)
    (asym,) = _floats(r"max \|K - K\.T\|:\s+([0-9.eE+-]+)", out)
    assert f_err < 1e-6 and k_err < 1e-5 and asym < 1e-12, out
    (net,) = _floats(r"net force:\s+([0-9.eE+-]+)", out)
    assert abs(net) < 1e-12, out


def test_per_example_grads_match_a_loop():
    out = run_example("per_example_grads.py")
    (diff,) = _floats(r"max difference from a Python loop:\s+([0-9.eE+-]+)", out)
    (mean_diff,) = _floats(r"mean of per-example gradients vs grad of mean loss:\s+([0-9.eE+-]+)",
                           out)
    assert diff < 1e-12 and mean_diff < 1e-12, out


def test_debug_ir_optimization_shrinks_the_program():
    out = run_example("debug_ir.py")
    (before,) = _floats(r"equations before optimization:\s+(\d+)", out)
    (after,) = _floats(r"equations after optimization:\s+(\d+)", out)
    assert after < before, out
    assert "{ lambda" in out and "digraph" in out, out


# --------------------------------------------------------------------------- --update


def update(path: pathlib.Path) -> int:
    """Rewrite the ```output blocks of `path` with what their blocks print now."""
    text = path.read_text()
    lines = text.splitlines()
    blocks = runnable(parse(text))
    printed = run_blocks(path, blocks)
    changed = 0
    for b, got in sorted(zip(blocks, printed, strict=True), key=lambda x: -x[0].line):
        if b.output is None or _normalize(got) == _normalize(b.output.code):
            continue
        start, end = b.output.line - 1, b.output.end
        lines[start:end] = _normalize(got).splitlines()
        changed += 1
    path.write_text("\n".join(lines) + "\n")
    return changed


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--update":
        sys.exit("usage: python tests/test_docs.py --update docs/FILE.md [...]")
    sys.path.insert(0, str(ROOT))   # run from a checkout without installing
    for arg in sys.argv[2:]:
        p = pathlib.Path(arg).resolve()
        print(f"{arg}: {update(p)} output block(s) rewritten")


def test_gaussian_process_likelihood_falls_and_noise_is_recovered():
    out = run_example("gaussian_process.py")
    values = _floats(r"-log p\(y\)\s+([0-9.eE+-]+)", out)
    assert len(values) >= 5 and values[-1] < values[0] - 50, values
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(values)), values
    (noise,) = _floats(r"noise ([0-9.]+) \(data", out)
    assert abs(noise - 0.1) < 0.03, noise


def test_least_squares_fits_agree_and_jacobian_is_the_pseudo_inverse():
    out = run_example("least_squares.py")
    (spread,) = _floats(r"between the three fits:\s+([0-9.eE+-]+)", out)
    (jac_err,) = _floats(r"pinv\(A\): max difference\s+([0-9.eE+-]+)", out)
    grad, fd = map(float, re.search(r"grad ([0-9.eE+-]+), central difference ([0-9.eE+-]+)",
                                    out).groups())
    assert spread < 1e-10 and jac_err < 1e-10, (spread, jac_err)
    assert abs(grad - fd) < 1e-6, (grad, fd)


def test_spectral_fit_recovers_the_parameters():
    out = run_example("spectral.py")
    losses = _floats(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", out)
    assert losses[-1] < 1e-8 * losses[0], losses
    fitted = _floats(r"fitted a1 ([0-9.-]+)", out) + _floats(r"a2 ([0-9.-]+)", out) + _floats(
        r"damping ([0-9.-]+) \(", out)
    assert max(abs(f - t) for f, t in zip(fitted, (1.0, 0.4, 0.3), strict=True)) < 1e-3, fitted


def test_out_of_core_loss_falls_and_matches_numpy_in_memory():
    pytest.importorskip("distributed", reason="examples/out_of_core.py needs dask.distributed")
    out = run_example("out_of_core.py")
    losses = _floats(r"step\s+\d+\s+loss\s+([0-9.eE+-]+)", out)
    assert len(losses) >= 3 and all(b < a for a, b in itertools.pairwise(losses)), losses
    (diff,) = _floats(r"max \|Dask - NumPy in memory\|:\s+([0-9.eE+-]+)", out)
    assert diff < 1e-12, out
