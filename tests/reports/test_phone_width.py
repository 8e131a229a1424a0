"""The HTML summary on a phone: Debian's Chromium, headless, lays the page out 390 px wide
(an iPhone 12 to 15) and a script on the page measures every element; nothing may be wider
than the screen, or reach past its right edge.

A desktop Chromium window is at least 500 px wide, so the page is laid out in a 390 px frame
(`srcdoc`, same origin): its media queries and layout see a 390 px viewport, as on a phone.

`.ci/run` installs Chromium; elsewhere the test is skipped when it is missing (but it fails
in CI, so that a missing install cannot pass unseen).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html import escape, unescape
from pathlib import Path

import pytest

from bot.flows import events
from bot.summary.render_html import render_html
from tests.reports.conftest import Filled, answer

PHONE = (390, 844)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

if CHROMIUM is None and os.environ.get("CI"):
    pytest.fail("Chromium is not installed: .ci/run should have installed it", pytrace=False)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

MEASURE = """<script>
(() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      const name = `${element.tagName}.${element.getAttribute("class") || ""}`;
      wide.push(`${name} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  // text can reach past its own box (a long word that does not wrap): measure it too
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(texts.currentNode);
    const box = range.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 0.5) {
      wide.push(`text "${texts.currentNode.textContent.slice(0, 40)}" ..${Math.round(box.right)}`);
    }
  }
  window.parent.document.body.dataset.measured = JSON.stringify({
    width, inner: window.innerWidth, scroll: document.documentElement.scrollWidth,
    wide: wide.slice(0, 20),
  });
})();
</script>
</body>"""

LONG_WORD = "https://records.example.org/partnerships/" + "north-west-leicestershire" * 4
LONG_NOTE = "We share attendance with " + " and ".join(f"school number {n}" for n in range(40))


def measure(html: str, folder: Path) -> dict[str, object]:
    """Lay `html` out at phone size in headless Chromium and return what the script saw."""
    framed = escape(html.replace("</body>", MEASURE), quote=True)
    page = folder / "phone.html"
    page.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe width="{PHONE[0]}"'
        f' height="{PHONE[1]}" style="border:0" srcdoc="{framed}"></iframe></body></html>',
        "utf-8",
    )
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={folder / 'profile'}",
            "--window-size=800,900",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    found = re.search(r'data-measured="([^"]*)"', result.stdout)
    assert found, f"Chromium did not run the page: {result.stderr[-2000:]}"
    measured: dict[str, object] = json.loads(unescape(found.group(1)))
    return measured


async def test_nothing_is_wider_than_a_phone(filled: Filled, tmp_path: Path) -> None:
    # long words and notes, as people type them, are where tables run off the edge
    await answer(
        filled.seeded,
        "carol",
        events.BatchEntry("s1.gp", "no", LONG_WORD),
        events.BatchEntry("s1.progress", "yes", LONG_NOTE),
        events.BatchEntry("s2.other", LONG_WORD + " " + LONG_NOTE),
    )
    filled.seeded.clock.advance(days=3)
    measured = measure(render_html(await filled.summary()), tmp_path)
    assert measured["inner"] == PHONE[0]
    assert measured["wide"] == []
    assert measured["scroll"] == measured["width"]
