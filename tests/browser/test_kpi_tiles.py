"""The briefing's KPI tiles in a real browser, at desktop and tablet width: whole labels (never
"Woninginbr…"), what deviates first, and no wall of "0 ≈ normaal" tiles."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect
from serving import login, settled

from vis.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
pytestmark = pytest.mark.integration
#: The tiles, and the labels and figures in them that cut their text (ellipsis, hidden overflow).
CUT = """() => {
  const tiles = [...document.querySelectorAll('[data-testid="stMetric"]')];
  const boxes = tiles.map(t => t.closest('[data-testid="stVerticalBlockBorderWrapper"],'
                                        + '[data-testid="stVerticalBlock"]'));
  const cut = [];
  for (const box of boxes) {
    const texts = '[data-testid="stMarkdownContainer"] p, [data-testid="stMetricValue"] div';
    for (const el of box.querySelectorAll(texts)) {
      if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1
          && el.textContent.trim()) cut.push(el.textContent.trim());
    }
  }
  return {tiles: tiles.length, cut};
}"""


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (1024, 768)])
def test_tiles_show_whole_labels_and_deviations_first(
    browser: Any, served: tuple[str, str], width: int, height: int
) -> None:
    base, _ = served
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(90_000)
    login(page, base, "supervisor")
    expect(page.get_by_text("Prioriteiten").first).to_be_visible(timeout=60_000)
    settled(page)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(3, timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / f"briefing-kpi-{width}x{height}.png"), full_page=False)
    found = page.evaluate(CUT)
    # appdata's stored since_last: woninginbraak higher, vernieling lower, fietsdiefstal 2 as
    # usual; straatroof 0 as usual gets no tile but the "otherwise as usual" line
    assert found == {"tiles": 3, "cut": []}, found
    labels = page.locator('[data-testid="stMetric"]').evaluate_all(
        """els => els.map(e => e.closest('[data-testid="stVerticalBlock"]').innerText)"""
    )
    assert [label.split("\n")[0] for label in labels] == [
        "Woninginbraak",
        "Vernieling",
        "Fiets-, brom- en snorfietsdiefstal",
    ]
    expect(page.get_by_text("Verder zoals gewoonlijk: Straatroof.")).to_be_visible()
    expect(page.get_by_text("≈ normaal")).to_have_count(1)
    context.close()
