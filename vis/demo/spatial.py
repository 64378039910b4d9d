"""Where demo incidents happen: points inside the wijk polygons, around attractors, near parents.

All sampling is vectorised with numpy and shapely 2 and draws only from the generator it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from vis.demo.places import CENTRE_RD, SHOPPING_WIJKEN, STATION_RD
from vis.demo.profile import Profile
from vis.geo import Area

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_MAX_ROUNDS = 60


@dataclass(frozen=True)
class City:
    """The areas of one municipality, ready for point sampling and point in polygon."""

    areas: tuple[Area, ...]
    population: FloatArray
    bounds: FloatArray  # (n, 4): minx, miny, maxx, maxy
    tree: shapely.STRtree
    shopping: FloatArray  # (k, 3): x, y, weight of the local shopping centres
    station: tuple[float, float]
    centre: tuple[float, float]

    @classmethod
    def from_areas(cls, areas: Sequence[Area]) -> City:
        """The city of ``areas``: one municipality's wijken (``AreaIndex.of_municipality``)."""
        if not areas:
            raise ValueError("the demo needs at least one area (the municipality's wijken)")
        if len({a.municipality_code for a in areas}) > 1:
            raise ValueError("the demo areas must belong to one municipality")
        geoms = [a.geometry for a in areas]
        for g in geoms:
            shapely.prepare(g)
        busiest = max(areas, key=lambda a: a.inhabitants or 0).geometry.point_on_surface()

        def inside(point: tuple[float, float]) -> tuple[float, float]:
            # Another municipality's areas: its most populous wijk stands in for the attractor.
            hit = any(shapely.contains_xy(g, *point) for g in geoms)
            return point if hit else (busiest.x, busiest.y)

        centres = []
        for a in areas:
            if a.code in SHOPPING_WIJKEN:
                p = a.geometry.centroid
                if not a.geometry.contains(p):
                    p = a.geometry.point_on_surface()
                centres.append((p.x, p.y, SHOPPING_WIJKEN[a.code]))
        if not centres:
            centres.append((busiest.x, busiest.y, 1.0))
        return cls(
            areas=tuple(areas),
            population=np.array([float(a.inhabitants or 0) for a in areas]),
            bounds=np.array([g.bounds for g in geoms], dtype=float),
            tree=shapely.STRtree(geoms),
            shopping=np.array(centres, dtype=float),
            station=inside(STATION_RD),
            centre=inside(CENTRE_RD),
        )

    def locate(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Index of the area holding each point (the first one on a border); -1 outside."""
        result = np.full(len(x), -1, dtype=np.int64)
        if len(x) == 0:
            return result
        pts, areas = self.tree.query(shapely.points(x, y), predicate="intersects")
        if len(pts):
            order = np.lexsort((areas, pts))
            pts, areas = pts[order], areas[order]
            first = np.r_[True, pts[1:] != pts[:-1]]
            result[pts[first]] = areas[first]
        return result

    def uniform_in(self, rng: np.random.Generator, area: IntArray) -> tuple[FloatArray, FloatArray]:
        """A uniformly random point inside each given area (rejection sampling in the bbox)."""
        x = np.empty(len(area))
        y = np.empty(len(area))
        for i in np.unique(area):
            todo = np.flatnonzero(area == i)
            geom = self.areas[int(i)].geometry
            minx, miny, maxx, maxy = self.bounds[int(i)]
            ratio = max(geom.area / max((maxx - minx) * (maxy - miny), 1.0), 0.05)
            for _ in range(_MAX_ROUNDS):
                m = int(len(todo) / ratio * 1.3) + 8
                cx = rng.uniform(minx, maxx, m)
                cy = rng.uniform(miny, maxy, m)
                keep = np.flatnonzero(shapely.contains_xy(geom, cx, cy))[: len(todo)]
                x[todo[: len(keep)]] = cx[keep]
                y[todo[: len(keep)]] = cy[keep]
                todo = todo[len(keep) :]
                if len(todo) == 0:
                    break
            if len(todo):  # a sliver: fall back to a point on its surface
                p = geom.point_on_surface()
                x[todo], y[todo] = p.x, p.y
        return x, y

    def near(
        self,
        rng: np.random.Generator,
        cx: FloatArray,
        cy: FloatArray,
        sigma: FloatArray,
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Points scattered (normal, ``sigma`` metres) around centres, redrawn until inside."""
        x = cx.copy()
        y = cy.copy()
        where = np.full(len(cx), -1, dtype=np.int64)
        todo = np.arange(len(cx))
        for _ in range(_MAX_ROUNDS):
            tx = cx[todo] + rng.normal(0.0, 1.0, len(todo)) * sigma[todo]
            ty = cy[todo] + rng.normal(0.0, 1.0, len(todo)) * sigma[todo]
            found = self.locate(tx, ty)
            ok = found >= 0
            x[todo[ok]], y[todo[ok]], where[todo[ok]] = tx[ok], ty[ok], found[ok]
            todo = todo[~ok]
            if len(todo) == 0:
                break
        if len(todo):  # the centre itself (always inside: see from_areas)
            where[todo] = self.locate(x[todo], y[todo])
        return x, y, where

    def sample(
        self, rng: np.random.Generator, profile: Profile, n: int
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """``n`` places for a profile: its mixture of population and attractors."""
        weights = np.array([p.weight for p in profile.places], dtype=float)
        source = rng.choice(len(weights), size=n, p=weights / weights.sum())
        x = np.empty(n)
        y = np.empty(n)
        where = np.empty(n, dtype=np.int64)
        for k, place in enumerate(profile.places):
            idx = np.flatnonzero(source == k)
            if len(idx) == 0:
                continue
            if place.source == "population":
                w = self.population + profile.population_floor
                area = rng.choice(len(w), size=len(idx), p=w / w.sum())
                x[idx], y[idx] = self.uniform_in(rng, area)
                where[idx] = area
                continue
            if place.source == "shopping":
                pick = rng.choice(
                    len(self.shopping),
                    size=len(idx),
                    p=self.shopping[:, 2] / self.shopping[:, 2].sum(),
                )
                cx, cy = self.shopping[pick, 0], self.shopping[pick, 1]
            else:
                px, py = self.station if place.source == "station" else self.centre
                cx, cy = np.full(len(idx), px), np.full(len(idx), py)
            sigma = np.full(len(idx), place.sigma_m)
            x[idx], y[idx], where[idx] = self.near(rng, cx, cy, sigma)
        return x, y, where

    def offspring(
        self,
        rng: np.random.Generator,
        px: FloatArray,
        py: FloatArray,
        mean_m: float,
        max_m: float,
        same_address: float,
    ) -> tuple[FloatArray, FloatArray, IntArray]:
        """Points close to parents (exponential distance, capped), inside the city."""
        n = len(px)
        x, y = px.copy(), py.copy()
        where = self.locate(px, py)
        todo = np.flatnonzero(rng.random(n) >= same_address)
        for _ in range(_MAX_ROUNDS // 4):
            dist = np.minimum(rng.exponential(mean_m, len(todo)), max_m)
            angle = rng.uniform(0.0, 2.0 * np.pi, len(todo))
            tx = px[todo] + dist * np.cos(angle)
            ty = py[todo] + dist * np.sin(angle)
            found = self.locate(tx, ty)
            ok = found >= 0
            x[todo[ok]], y[todo[ok]], where[todo[ok]] = tx[ok], ty[ok], found[ok]
            todo = todo[~ok]
            if len(todo) == 0:
                break
        return x, y, where
