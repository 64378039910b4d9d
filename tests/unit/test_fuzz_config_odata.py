"""Fuzzing with hypothesis, for a fixed budget: the config loader and the CBS OData reader.

The loader either gives settings or raises :class:`SettingsError` (one line for the operator); the
OData row parsers load or reject every row and never raise; the OData page reader yields rows or
raises :class:`FetchError`, whatever a server answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from ingest.cbs import iter_odata, parse_crime_rows, parse_population_rows
from ingest.http import FetchError
from vis.settings import HttpSettings, Settings, SettingsError, load_settings

BUDGET = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REAL_CONFIG = (Path(__file__).resolve().parents[2] / "config" / "vis.toml").read_text("utf-8")


def _load(tmp: Path, content: bytes) -> Settings | None:
    path = tmp / "vis.toml"
    path.write_bytes(content)
    try:
        return load_settings(path)
    except SettingsError as exc:
        assert "\n" not in str(exc).strip()
        return None


@st.composite
def mutated_config(draw: st.DrawFn) -> str:
    """The real vis.toml with a few random edits: cut, insert, or replace a value."""
    text = REAL_CONFIG
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["cut", "insert", "value"]))
        if kind == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 80)) :]
        elif kind == "insert":
            text = text[:at] + draw(st.text(max_size=40)) + text[at:]
        else:
            line_start = text.rfind("\n", 0, at) + 1
            line_end = text.find("\n", at)
            line_end = len(text) if line_end < 0 else line_end
            line = text[line_start:line_end]
            if "=" in line:
                key = line.split("=", 1)[0]
                value = draw(
                    st.one_of(
                        st.integers(-(10**30), 10**30).map(str),
                        st.floats(allow_nan=True).map(repr),
                        st.text(max_size=30).map(json.dumps),
                        st.sampled_from(["true", "[]", "{}", '"25:99"', '"02:30"', '"GM12"']),
                    )
                )
                text = text[:line_start] + f"{key}= {value}" + text[line_end:]
    return text


@pytest.mark.slow
@BUDGET
@given(text=mutated_config())
def test_mutated_config_loads_or_fails_with_one_line(tmp_path_factory: Any, text: str) -> None:
    _load(tmp_path_factory.mktemp("cfg"), text.encode("utf-8"))


@BUDGET
@given(content=st.binary(max_size=200))
def test_arbitrary_utf8_config_loads_or_fails_with_one_line(
    tmp_path_factory: Any, content: bytes
) -> None:
    text = content.decode("utf-8", errors="ignore")
    _load(tmp_path_factory.mktemp("cfg"), text.encode("utf-8"))


def test_config_that_is_not_utf8_fails_with_one_line(tmp_path: Path) -> None:
    _load(tmp_path, b'[municipality]\nname = "\xff\xfe"\n')


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
cbs_values = st.one_of(
    json_values,
    st.sampled_from(["2017MM03", "2017MM13", "2017JJ00", " WK030701 ", "1.1.1 ", "", " " * 20]),
    st.integers(-5, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
)
cbs_rows = st.lists(
    st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "SoortMisdrijf": cbs_values,
                "WijkenEnBuurten": cbs_values,
                "Perioden": cbs_values,
                "GeregistreerdeMisdrijven_1": cbs_values,
                "AantalInwoners_5": cbs_values,
            },
        ),
    ),
    max_size=20,
)


@pytest.mark.slow
@BUDGET
@given(rows=cbs_rows)
def test_odata_rows_are_each_loaded_or_rejected(rows: list[Any]) -> None:
    frame, rejected = parse_crime_rows(rows)
    assert len(frame) + len(rejected) == len(rows)
    assert sorted(r.row_number for r in rejected) == [r.row_number for r in rejected]
    frame, rejected = parse_population_rows(rows, year=2025)
    assert len(frame) + len(rejected) == len(rows)


answers = st.one_of(
    json_values.map(json.dumps),
    st.builds(
        lambda rows, link: json.dumps(
            {"value": rows, **({"odata.nextLink": link} if link else {})}
        ),
        cbs_rows,
        st.one_of(st.none(), st.just("page2"), st.just(""), st.integers().map(str)),
    ),
    st.text(max_size=50),
)


@pytest.mark.slow
@given(
    first=answers,
    second=answers,
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/html", "text/plain"]
    ),
)
@settings(
    BUDGET,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_odata_reader_yields_rows_or_fails_cleanly(
    httpserver: HTTPServer, first: str, second: str, content_type: str
) -> None:
    httpserver.clear()
    httpserver.expect_request("/page1").respond_with_data(first, content_type=content_type)
    httpserver.expect_request("/page2").respond_with_data(second, content_type=content_type)
    http = HttpSettings(retries=0, connect_timeout_s=2, read_timeout_s=5)
    with requests.Session() as session:
        try:
            rows = list(iter_odata(session, httpserver.url_for("/page1"), http=http, max_pages=5))
        except FetchError as exc:
            assert str(exc).strip()
            return
    assert all(isinstance(r, dict) for r in rows)
