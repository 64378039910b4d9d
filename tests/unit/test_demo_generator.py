"""The demo-feed generator: contract shape, calibration, structure, determinism, extras."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from ingest import columns as c
from ingest.normalise import NormaliseParams, categorise, normalise, parse_coordinates
from vis.demo import (
    BVH_COLUMNS,
    CHANGED,
    KIND,
    KINDS,
    QUARANTINED_KINDS,
    DemoParams,
    cbs_monthly,
    generate_bad_rows,
    generate_incidents,
    generate_updates,
    known_at,
)
from vis.demo.bvh import DAYPARTS, WEEKDAYS, parse_local_minutes
from vis.demo.places import STATION_RD
from vis.demo.profiles import PROFILES
from vis.geo import Area, AreaIndex
from vis.settings import PROJECT_ROOT, CategorySettings, load_settings

CONFIG = PROJECT_ROOT / "config"
DATE = re.compile(r"^\d{2}-\d{2}-\d{4} \d{2}:\d{2}$")
BURGLARY_CODES = ("A20", "A30", "B20", "B30")


@pytest.fixture(scope="module")
def index() -> AreaIndex:
    return AreaIndex.from_geojson(
        CONFIG / "areas" / "cbs-wijken-2019-amersfoort-region.geojson",
        code_property="wijkcode",
        name_property="wijknaam",
        municipality_property="gemeenteco",
        population_property="aantal_inw",
    )


@pytest.fixture(scope="module")
def areas(index: AreaIndex) -> tuple[Area, ...]:
    return index.of_municipality("GM0307")


@pytest.fixture(scope="module")
def categories() -> tuple[CategorySettings, ...]:
    return tuple(load_settings(CONFIG / "vis.toml").categories)


@pytest.fixture(scope="module")
def params() -> DemoParams:
    return DemoParams()


@pytest.fixture(scope="module")
def incidents(params: DemoParams, areas: tuple[Area, ...]) -> pd.DataFrame:
    return generate_incidents(params, areas)


@pytest.fixture(scope="module")
def categorised(incidents: pd.DataFrame, categories: tuple[CategorySettings, ...]) -> pd.DataFrame:
    key, _ = categorise(incidents[c.MK_CODE], incidents[c.MK_LABEL], categories)
    group = {cat.key: cat.group for cat in categories}
    return pd.DataFrame(
        {
            "category": key,
            "group": key.map(group).fillna("unmapped"),
            "year": incidents[c.BEGIN].str.slice(6, 10).astype(int),
            "month": incidents[c.BEGIN].str.slice(3, 5).astype(int),
        }
    )


def _xy(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x, _ = parse_coordinates(frame[c.X])
    y, _ = parse_coordinates(frame[c.Y])
    return x.to_numpy(), y.to_numpy()


def _within(target: float, value: float, tolerance: float = 0.03) -> bool:
    return abs(value - target) <= tolerance * target


def test_columns_are_exactly_the_33_contract_columns_all_text(incidents: pd.DataFrame) -> None:
    assert list(incidents.columns) == list(BVH_COLUMNS)
    assert len(BVH_COLUMNS) == 33
    assert all(isinstance(v, str) for v in incidents.to_numpy().ravel())
    assert incidents[c.ID].is_unique


@pytest.mark.parametrize("year", [2015, 2016])
def test_a_full_year_matches_the_2015_calibration(
    categorised: pd.DataFrame, incidents: pd.DataFrame, year: int
) -> None:
    rows = categorised[categorised["year"] == year]
    misdrijven = rows["group"] != "overlast"
    assert _within(8459, int(misdrijven.sum()))
    burglary = rows["category"] == "woninginbraak"
    assert _within(620, int(burglary.sum()))
    attempts = (incidents.loc[burglary[burglary].index, c.ATTEMPT] == "J").mean()
    assert _within(0.371, float(attempts))
    group = rows["category"].isin(["autokraak", "fietsdiefstal", "vernieling"])
    assert _within(2762, int(group.sum()))
    assert _within(
        DemoParams().overlast_jeugd_per_year, int((rows["category"] == "overlast_jeugd").sum())
    )


@pytest.mark.parametrize(
    ("category", "per_year"),
    [
        ("fietsdiefstal", 1295),
        ("autokraak", 655),
        ("vernieling", 812),
        ("winkeldiefstal", 1150),
        ("mishandeling", 930),
        ("bedreiging", 620),
        ("zakkenrollerij", 420),
        ("straatroof", 75),
        ("overval", 25),
        ("drugshandel", 170),
        ("openlijk_geweld", 95),
    ],
)
def test_each_category_keeps_its_yearly_count(
    categorised: pd.DataFrame, category: str, per_year: int
) -> None:
    counts = categorised[categorised["category"] == category].groupby("year").size()
    assert _within(per_year, counts[2015]) and _within(per_year, counts[2016])


def test_nuisance_is_not_counted_among_the_misdrijven(
    categorised: pd.DataFrame, incidents: pd.DataFrame
) -> None:
    nuisance = categorised["group"] == "overlast"
    assert nuisance.sum() > 2000
    assert (incidents.loc[nuisance, c.MK_CODE] == "").all()
    assert set(incidents.loc[nuisance, c.MK_LABEL]) >= {"Overlast jeugd"}


def test_unmapped_misdrijven_carry_mk_codes_and_stay_a_small_share(
    categorised: pd.DataFrame, incidents: pd.DataFrame
) -> None:
    unmapped = categorised["group"] == "unmapped"
    share = unmapped.sum() / (categorised["group"] != "overlast").sum()
    assert 0.05 < share < 0.15
    assert incidents.loc[unmapped, c.MK_CODE].str.fullmatch(r"[A-F]\d{2,3}").all()


def test_every_generated_code_maps_to_the_category_it_was_made_for(
    categories: tuple[CategorySettings, ...],
) -> None:
    pairs = [(code, profile.key) for profile in PROFILES for code in profile.codes]
    key, _ = categorise(
        pd.Series([k.code for k, _ in pairs]), pd.Series([k.label for k, _ in pairs]), categories
    )
    expected = [None if p == "other" else p for _, p in pairs]
    assert key.tolist() == expected


def test_burglary_peaks_in_the_dark_months(categorised: pd.DataFrame) -> None:
    full_years = categorised[
        (categorised["category"] == "woninginbraak") & (categorised["year"] < 2017)
    ]
    dark = full_years["month"].isin([11, 12, 1]).sum()
    light = full_years["month"].isin([5, 6, 7]).sum()
    assert dark / light > 1.6


def test_burglary_moves_to_the_evening_in_the_dark_months(
    incidents: pd.DataFrame, categorised: pd.DataFrame
) -> None:
    burglary = incidents[
        (categorised["category"] == "woninginbraak") & (categorised["year"] < 2017)
    ]
    begin = parse_local_minutes(burglary[c.BEGIN])
    end = parse_local_minutes(burglary[c.END])
    hour = (np.where(end < 0, begin, (begin + end) // 2) % 1440) // 60
    evening = (hour >= 17) & (hour < 22)
    month = burglary[c.BEGIN].str.slice(3, 5).astype(int).to_numpy()
    assert (
        evening[np.isin(month, [11, 12, 1])].mean()
        > evening[np.isin(month, [5, 6, 7])].mean() + 0.05
    )


def _close_pairs(x: np.ndarray, y: np.ndarray, days: np.ndarray) -> int:
    i, j = np.triu_indices(len(x), 1)
    near = np.hypot(x[i] - x[j], y[i] - y[j]) < 200.0
    return int((near & (np.abs(days[i] - days[j]) <= 7.0)).sum())


def test_burglaries_cluster_in_space_and_time_beyond_a_time_shuffle(
    incidents: pd.DataFrame, categorised: pd.DataFrame
) -> None:
    rows = incidents[(categorised["category"] == "woninginbraak") & (categorised["year"] == 2015)]
    x, y = _xy(rows)
    days = parse_local_minutes(rows[c.BEGIN]) / 1440.0
    observed = _close_pairs(x, y, days)
    rng = np.random.default_rng(1)
    shuffled = np.mean([_close_pairs(x, y, rng.permutation(days)) for _ in range(5)])
    assert observed > 2.0 * shuffled


@pytest.mark.slow
def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(
    params: DemoParams, areas: tuple[Area, ...], incidents: pd.DataFrame
) -> None:
    again = generate_incidents(params, areas)
    assert again.to_csv(sep=";", index=False) == incidents.to_csv(sep=";", index=False)
    other = generate_incidents(DemoParams(seed=params.seed + 1), areas)
    assert not other.equals(incidents)


def test_every_point_lies_inside_amersfoort_except_the_bad_rows(
    params: DemoParams, areas: tuple[Area, ...], incidents: pd.DataFrame
) -> None:
    city = shapely.union_all([a.geometry for a in areas])
    x, y = _xy(incidents)
    located = np.isfinite(x)
    assert located.mean() > 0.99
    assert shapely.contains_xy(city, x[located], y[located]).all()
    bad = generate_bad_rows(params, areas)
    bx, by = _xy(bad)
    outside = bad[KIND].isin(["far_outside", "outside_city"]).to_numpy()
    assert not shapely.contains_xy(city, bx[outside], by[outside]).any()


def test_dates_are_in_the_contract_format_with_dutch_day_names_and_dayparts(
    incidents: pd.DataFrame,
) -> None:
    for weekday_col, part_col, text_col in (
        (c.BEGIN_WEEKDAY, c.BEGIN_DAYPART, c.BEGIN),
        (c.END_WEEKDAY, c.END_DAYPART, c.END),
        (c.KNOWN_WEEKDAY, c.KNOWN_DAYPART, c.KNOWN),
    ):
        text = incidents[text_col]
        filled = text != ""
        assert text[filled].str.match(DATE).all()
        moment = pd.to_datetime(text[filled], format="%d-%m-%Y %H:%M")
        assert (
            incidents.loc[filled, weekday_col]
            == moment.dt.day_of_week.map(dict(enumerate(WEEKDAYS)))
        ).all()
        assert (
            incidents.loc[filled, part_col] == (moment.dt.hour // 6).map(dict(enumerate(DAYPARTS)))
        ).all()
    begin = parse_local_minutes(incidents[c.BEGIN])
    end = parse_local_minutes(incidents[c.END])
    known = parse_local_minutes(incidents[c.KNOWN])
    assert (incidents[c.BEGIN] != "").all() and (incidents[c.KNOWN] != "").all()
    assert ((end < 0) | (end > begin)).all()
    assert (known >= np.maximum(begin, end)).all()
    first = np.datetime64("2015-01-01", "D").astype(np.int64) * 1440
    last = (np.datetime64("2017-06-30", "D").astype(np.int64) + 1) * 1440
    assert begin.min() >= first and known.max() < last


def test_burglary_and_bike_theft_usually_come_with_a_window(incidents: pd.DataFrame) -> None:
    for codes in (BURGLARY_CODES, ("A72", "A73", "B62", "B63")):
        rows = incidents[incidents[c.MK_CODE].isin(codes)]
        assert (rows[c.END] != "").mean() > 0.8
    assert (incidents.loc[incidents[c.MK_CODE] == "A50", c.END] == "").all()


def test_no_moment_falls_in_the_hour_skipped_by_summer_time(incidents: pd.DataFrame) -> None:
    for day in ("29-03-2015", "27-03-2016", "26-03-2017"):
        for col in (c.BEGIN, c.END, c.KNOWN):
            assert not incidents[col].str.startswith(day + " 02:").any()


def test_addresses_look_like_amersfoort_addresses(incidents: pd.DataFrame) -> None:
    assert incidents[c.POSTCODE].str.fullmatch(r"38\d{2}[A-EGHJ-NPR-TV-XZ]{2}").all()
    assert (incidents[c.STREET] != "").all()
    assert (incidents[c.HOUSE_NUMBER] != "").mean() > 0.5
    assert set(incidents[c.PLACE]) <= {"Amersfoort", "Hoogland", "Hooglanderveen"}
    assert incidents[c.POLICE_AREA].str.match(r"^Wijk \d{2} ").all()
    assert incidents[c.X].str.contains(",").mean() > 0.05
    assert (incidents[c.ATTEMPT].isin(["J", "N"]) & incidents[c.REPORT].isin(["J", "N"])).all()


def test_bike_theft_gathers_at_the_station_and_shoplifting_in_the_centre(
    incidents: pd.DataFrame, areas: tuple[Area, ...]
) -> None:
    x, y = _xy(incidents)
    near_station = np.hypot(x - STATION_RD[0], y - STATION_RD[1]) < 400.0
    bikes = incidents[c.MK_CODE].isin(["A72", "A73", "B62", "B63"]).to_numpy()
    assert near_station[bikes].mean() > 3.0 * near_station.mean()
    centre = incidents[c.POLICE_AREA] == "Wijk 01 Stadskern"
    shops = incidents[c.MK_CODE].isin(["A50", "B50"])
    assert centre[shops].mean() > 0.3


def test_burglary_follows_the_population_of_the_wijken(
    incidents: pd.DataFrame, areas: tuple[Area, ...]
) -> None:
    burglary = incidents[incidents[c.MK_CODE].isin(BURGLARY_CODES)]
    counts = burglary[c.POLICE_AREA].value_counts()
    population = pd.Series({a.name: a.inhabitants or 0 for a in areas})
    assert np.corrcoef(population, counts.reindex(population.index, fill_value=0))[0, 1] > 0.9


def test_a_short_period_gets_its_share_of_the_year(
    areas: tuple[Area, ...], categories: tuple[CategorySettings, ...]
) -> None:
    march = generate_incidents(
        DemoParams(start=dt.date(2016, 3, 1), end=dt.date(2016, 3, 31)), areas
    )
    key, _ = categorise(march[c.MK_CODE], march[c.MK_LABEL], categories)
    misdrijven = (~key.isin(["overlast_jeugd", "verward_gedrag", "burengerucht"])).sum()
    assert 600 < misdrijven < 800
    assert march[c.BEGIN].str.slice(3, 10).eq("03-2016").all()


def test_updates_register_arrests_and_reports_days_after_kennisname(
    params: DemoParams, incidents: pd.DataFrame
) -> None:
    updates = generate_updates(params, incidents)
    assert list(updates.columns) == [*BVH_COLUMNS, CHANGED]
    original = incidents.set_index(c.ID).loc[updates[c.ID]]
    arrests = updates[c.ARRESTS].astype(int).to_numpy() > original[c.ARRESTS].astype(int).to_numpy()
    reports = (updates[c.REPORT] == "J").to_numpy() & (original[c.REPORT] == "N").to_numpy()
    assert (arrests | reports).all() and arrests.sum() > 200 and reports.sum() > 100
    changed = parse_local_minutes(updates[CHANGED])
    known = parse_local_minutes(updates[c.KNOWN])
    assert (changed // 1440 > known // 1440).all()  # on a later day than the Kennisname
    assert changed.max() < (np.datetime64(params.end, "D").astype(np.int64) + 1) * 1440
    assert (updates[c.KNOWN] == original[c.KNOWN].to_numpy()).all()


def test_known_at_prefers_the_change_moment(params: DemoParams, incidents: pd.DataFrame) -> None:
    updates = generate_updates(params, incidents).head(3)
    moments = known_at(updates).dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M")
    assert moments.tolist() == updates[CHANGED].tolist()
    first = (
        known_at(incidents.head(1)).dt.tz_convert("Europe/Amsterdam").dt.strftime("%d-%m-%Y %H:%M")
    )
    assert first.tolist() == incidents[c.KNOWN].head(1).tolist()


def test_the_ingest_quarantines_exactly_the_faulty_rows(
    params: DemoParams,
    index: AreaIndex,
    areas: tuple[Area, ...],
    incidents: pd.DataFrame,
    categories: tuple[CategorySettings, ...],
) -> None:
    setup = NormaliseParams(categories=categories, areas=index)
    good = normalise(incidents.assign(**{c.ROW: np.arange(1, len(incidents) + 1)}), setup)
    assert len(good.quarantine) == 0 and len(good.rows) == len(incidents)
    bad = generate_bad_rows(params, areas)
    assert set(bad[KIND]) == set(KINDS) and 20 <= len(bad) <= 40
    result = normalise(
        bad.drop(columns=[KIND]).assign(**{c.ROW: np.arange(1, len(bad) + 1)}), setup
    )
    quarantined = bad[KIND].isin(QUARANTINED_KINDS)
    assert sorted(result.quarantine["row_number"]) == sorted(np.flatnonzero(quarantined) + 1)
    assert result.unmapped == {
        "Q99 | Onbekende incidentsoort": int((bad[KIND] == "unknown_code").sum())
    }


def test_cbs_monthly_table_adds_up_to_the_incidents(
    incidents: pd.DataFrame,
    categorised: pd.DataFrame,
    areas: tuple[Area, ...],
    categories: tuple[CategorySettings, ...],
) -> None:
    table = cbs_monthly(incidents, areas, categories)
    assert list(table.columns) == [
        "ID",
        "SoortMisdrijf",
        "WijkenEnBuurten",
        "Perioden",
        "GeregistreerdeMisdrijven_1",
    ]
    assert (
        table["SoortMisdrijf"].str.len().eq(6).all()
        and table["WijkenEnBuurten"].str.len().eq(10).all()
    )
    assert (
        table["Perioden"].str.fullmatch(r"20\d{2}MM\d{2}").all()
        and table["Perioden"].nunique() == 30
    )
    gm = table[table["WijkenEnBuurten"] == "GM0307    "]
    total = (
        gm[gm["SoortMisdrijf"] == "0.0.0 "]
        .groupby(gm["Perioden"].str.slice(0, 4))["GeregistreerdeMisdrijven_1"]
        .sum()
    )
    misdrijven = categorised[categorised["group"] != "overlast"].groupby("year").size()
    assert total.tolist() == misdrijven.tolist()
    burglary = gm[gm["SoortMisdrijf"] == "1.1.1 "]["GeregistreerdeMisdrijven_1"].sum()
    assert burglary == (categorised["category"] == "woninginbraak").sum()
    wijken = table[table["WijkenEnBuurten"] != "GM0307    "]
    by_wijk = wijken.groupby(["Perioden", "SoortMisdrijf"])["GeregistreerdeMisdrijven_1"].sum()
    assert (
        by_wijk.tolist()
        == gm.set_index(["Perioden", "SoortMisdrijf"])["GeregistreerdeMisdrijven_1"].tolist()
    )


def test_gebieden_group_the_31_wijken_into_9_connected_gebieden(areas: tuple[Area, ...]) -> None:
    config = tomllib.loads(Path(CONFIG / "gebieden.toml").read_text(encoding="utf-8"))
    assert config["grouping"] == "plausible"
    gebieden = config["gebied"]
    assert len(gebieden) == 9
    listed = [w for g in gebieden for w in g["wijken"]]
    assert sorted(listed) == sorted(a.code for a in areas)
    shape = {a.code: a.geometry.buffer(20.0) for a in areas}
    for gebied in gebieden:
        reached, todo = {gebied["wijken"][0]}, [gebied["wijken"][0]]
        while todo:
            here = todo.pop()
            for other in gebied["wijken"]:
                if other not in reached and shape[here].intersects(shape[other]):
                    reached.add(other)
                    todo.append(other)
        assert reached == set(gebied["wijken"]), gebied["key"]


def test_parameters_refuse_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="before start"):
        DemoParams(start=dt.date(2017, 1, 2), end=dt.date(2017, 1, 1))
