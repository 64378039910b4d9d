"""The answer the evaluator's pilot view opens with: the headline of the primary question, a
forest plot of the effect per series with its interval, the municipal targets marked
✓/✗/"niet te bepalen", and the tests as a table with interval, p and Holm-adjusted p (Dutch
number formats from :mod:`vis.pages.evaluation_format`)."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from briefing.evaluation.report import PilotReport
from vis.pages.common import md, tr
from vis.pages.evaluation_format import dutch, percent


def answer(report: PilotReport) -> None:
    """Headline, forest plot, targets and the tests, in that order."""
    with st.container(border=True, key="ep_answer"):
        st.markdown(f"**{md(report.headline)}**")
        st.caption(tr("ep.answer_note"))
    _forest(report.effects)
    _targets(report.indicators)
    st.subheader(tr("ep.comparisons"))
    if report.comparisons.empty:
        st.info(tr("ep.no_tests"))
    else:
        st.dataframe(tests_table(report.comparisons), hide_index=True, width="stretch")
        with st.expander(tr("ep.tests_text")):
            st.markdown("\n".join(f"- {md(text)}" for text in report.comparisons["uitleg"]))


TEST_COLUMNS = {
    "reeks": "reeks", "toets": "toets", "rol": "rol", "schatting": "schatting",
    "ci": "95%-BI", "p": "p", "p_holm": "p (Holm)", "aantallen": "aantallen",
}  # fmt: skip


def tests_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The tests with their interval, p and Holm-adjusted p, in Dutch number formats."""
    frame = dutch(comparisons, numbers={"schatting": 2, "ci_laag": 2, "ci_hoog": 2},
                  pvalues=("p", "p_holm"))  # fmt: skip
    frame["ci"] = [
        "–" if lo == "–" or hi == "–" else f"{lo} tot {hi}"
        for lo, hi in zip(frame["ci_laag"], frame["ci_hoog"], strict=True)
    ]
    return frame[list(TEST_COLUMNS)].rename(columns=TEST_COLUMNS)


def targets_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """The indicators that have a target, for the area the target is judged for."""
    judged = indicators.loc[
        (indicators["doel"].astype(str) != "")
        & ~indicators["doel_gehaald"].astype(str).str.startswith("n.v.t.")
    ]
    columns = ["periode", "gebied", "omschrijving", "waarde", "eenheid", "doel", "doel_gehaald"]
    return dutch(judged[columns], numbers={"waarde": 1})


def _targets(indicators: pd.DataFrame) -> None:
    st.subheader(tr("ep.targets"))
    table = targets_table(indicators)
    if table.empty:
        st.info(tr("ep.no_targets"))
    else:
        st.dataframe(table, hide_index=True, width="stretch")


def forest_chart(effects: pd.DataFrame) -> alt.LayerChart | alt.FacetChart:
    """Effect per series against expected (%), with its interval and a line at 0."""
    frame = effects.dropna(subset=["effect_pct"]).assign(
        label=lambda f: [f"{e} ({lo} tot {hi})" for e, lo, hi in zip(
            (percent(v) for v in f["effect_pct"]), (percent(v) for v in f["ci_laag_pct"]),
            (percent(v) for v in f["ci_hoog_pct"]), strict=True)]
    )  # fmt: skip
    y = alt.Y("reeks:N", title=None, sort=list(frame["reeks"]))
    x_title = tr("ep.forest_axis")
    bars = (
        alt.Chart(frame)
        .mark_rule(strokeWidth=2)
        .encode(y=y, x=alt.X("ci_laag_pct:Q", title=x_title), x2="ci_hoog_pct:Q")
    )
    dots = alt.Chart(frame).mark_point(filled=True, size=80).encode(
        y=y, x="effect_pct:Q", color=alt.Color("rol:N", title=tr("ep.role")),
        tooltip=[alt.Tooltip("reeks:N"), alt.Tooltip("label:N", title=tr("ep.effect"))],
    )  # fmt: skip
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return alt.layer(bars, dots, zero)


def _forest(effects: pd.DataFrame) -> None:
    st.subheader(tr("ep.forest"))
    if effects.empty or effects["effect_pct"].isna().all():
        st.info(tr("ep.no_effects"))
    else:
        st.altair_chart(forest_chart(effects), width="stretch")
    for text in effects["tekst"] if not effects.empty else []:
        st.markdown(f"- {md(text)}")
