"""Known answers: functrans.random reproduces JAX 0.10.2's default PRNG (threefry2x32, x64,
raw uint32[2] keys) bit for bit.

tests/data/jax_threefry.json is a copy of the values JAX printed (floats as `float.hex`), each
with the call that produced it. Every case must match exactly, eagerly and under `jit`; no
case is skipped. The call strings are parsed by a small table of their forms (below), not
evaluated.
"""
from __future__ import annotations

import json
import pathlib
import re

import numpy as np
import pytest

import functrans as ft
from functrans import random

DATA = pathlib.Path(__file__).parent / "data" / "jax_threefry.json"
CASES = json.loads(DATA.read_text())["cases"]

_NAMES = {"PRNGKey": random.PRNGKey, "split": random.split, "fold_in": random.fold_in,
          "bits": random.bits, "uniform": random.uniform, "normal": random.normal,
          "randint": random.randint, "bernoulli": random.bernoulli,
          "permutation": random.permutation, "categorical": random.categorical,
          "exponential": random.exponential, "gumbel": random.gumbel,
          "truncated_normal": random.truncated_normal, "log": np.log, "vmap": ft.vmap,
          "float32": np.float32, "float64": np.float64, "int32": np.int32,
          "uint32": np.uint32, "uint64": np.uint64}

_TOKEN = re.compile(r"\s*(?:(?P<num>-?\d+\.\d*(?:e-?\d+)?|-?\d+)|(?P<name>[A-Za-z_]\w*)|"
                    r"(?P<op>[()\[\],=:]))")


class _Parser:
    """The grammar of the calls: names, calls with positional and keyword arguments, numbers,
    tuples, lists, and `lambda k: <call>` (one parameter)."""

    def __init__(self, text: str):
        self.tokens = []
        pos = 0
        text = text.strip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            assert m and m.end() > pos, f"cannot parse {text[pos:]!r}"
            kind = m.lastgroup
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None)

    def take(self, value=None):
        tok = self.tokens[self.i]
        assert value is None or tok[1] == value, (tok, value)
        self.i += 1
        return tok

    def expr(self, env):
        kind, value = self.take()
        if kind == "num":
            out = float(value) if "." in value else int(value)
        elif value == "(":
            items = self.sequence(")", env)
            out = tuple(items)
        elif value == "[":
            out = np.array(self.sequence("]", env))
        elif value == "lambda":
            _, param = self.take()
            self.take(":")
            start = self.i
            depth = 0
            while True:   # the body runs to the closing parenthesis of the enclosing call
                k, v = self.peek()
                if v in "([" and k == "op":
                    depth += 1
                elif v in ")]" and k == "op":
                    if depth == 0:
                        break
                    depth -= 1
                self.i += 1
            body = self.tokens[start:self.i]

            def fn(x, body=body, param=param):
                sub = _Parser.__new__(_Parser)
                sub.tokens, sub.i = body, 0
                return sub.expr({**env, param: x})
            out = fn
        else:
            out = env[value] if value in env else _NAMES[value]
        while self.peek() == ("op", "("):
            self.take("(")
            args, kwargs = [], {}
            while self.peek() != ("op", ")"):
                if self.tokens[self.i + 1] == ("op", "=") and self.peek()[0] == "name":
                    _, name = self.take()
                    self.take("=")
                    kwargs[name] = self.expr(env)
                else:
                    args.append(self.expr(env))
                if self.peek() == ("op", ","):
                    self.take(",")
            self.take(")")
            out = out(*args, **kwargs)
        return out

    def sequence(self, close, env):
        items = []
        while self.peek() != ("op", close):
            items.append(self.expr(env))
            if self.peek() == ("op", ","):
                self.take(",")
        self.take(close)
        return items


def run_call(call: str):
    return _Parser(call).expr({})


def expected(result) -> np.ndarray:
    dtype = np.dtype(result["dtype"])
    if "hex" in result:
        values = [float.fromhex(h) for h in result["hex"]]
    else:
        values = result["values"]
    return np.array(values, dtype).reshape(result["shape"])


def assert_bitwise_equal(got, want, what):
    got = np.asarray(got)
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, JAX's {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, JAX's {want.shape}"
    if want.dtype.kind == "f":
        same = got.view(f"u{want.itemsize}") == want.view(f"u{want.itemsize}")
        assert same.all(), (f"{what}: {[x.hex() for x in got.ravel().tolist()]} != JAX's "
                            f"{[x.hex() for x in want.ravel().tolist()]}")
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def test_there_are_cases():
    assert len(CASES) == 22


@pytest.mark.parametrize("case", CASES, ids=[c["call"] for c in CASES])
def test_known_answer(case):
    assert_bitwise_equal(run_call(case["call"]), expected(case["result"]), case["call"])


@pytest.mark.parametrize("case", [c for c in CASES if not c["call"].startswith("PRNGKey")],
                         ids=[c["call"] for c in CASES if not c["call"].startswith("PRNGKey")])
def test_known_answer_under_jit(case):
    # The key is a traced argument of the jitted program; the other arguments are static.
    call = case["call"]
    m = re.search(r"PRNGKey\((\d+)\)", call)
    seed = int(m.group(1))
    template = call.replace(m.group(0), "KEY", 1)

    def f(key):
        return _Parser(template).expr({"KEY": key})

    assert_bitwise_equal(ft.jit(f)(random.PRNGKey(seed)), expected(case["result"]),
                         f"jit: {call}")
