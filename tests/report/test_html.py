"""The static HTML report: every page is there, every link resolves, nothing leaves the folder, each answer's
page tells its story, and a real browser opens it without errors."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from multikernelbench.report import load_report
from multikernelbench.report.html import answer_path, write_html_report
from multikernelbench.records import StoredVerdict
from multikernelbench.store import Store
from tests.report import BUILD_LOG, make_study_store
from tests.support.cli import mkb

ANSWERS_PER_RUN = 6 * 2 + 1  # six tasks, two samples, one second turn


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.links.append(value)
            if name == "id" and value:
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html")
    store = make_study_store(root / "results.sqlite")
    result = mkb("report", "--store", str(store), "--html", str(root / "site"), cache=root / "cache")
    assert result.returncode == 0, result.stderr
    assert f"wrote {root / 'site' / 'index.html'}" in result.stderr
    return root / "site"


def _verdict(task: str, sample: int, turn: int = 1) -> StoredVerdict:
    return StoredVerdict("study-a", task, "x", sample, turn, None)  # type: ignore[arg-type]


def test_every_page_is_written_and_every_link_and_anchor_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 1 + 2 + 2 * ANSWERS_PER_RUN
    assert {p.name for p in (site / "figures").iterdir()} >= {"rates.svg", "speedups.svg", "fast_p.svg",
                                                               "pass_at_k.svg", "turns.svg"}
    checked = 0
    for page in pages:
        for link in _parse(page).links:
            assert not re.match(r"[a-z]+:", link), f"{page.name} links outside the folder: {link}"
            target, _, anchor = link.partition("#")
            resolved = (page.parent / target).resolve() if target else page
            assert resolved.is_file(), f"{page.relative_to(site)} links to a missing {link}"
            if anchor:
                assert anchor in _parse(resolved).ids, f"{page.relative_to(site)} links to a missing anchor {link}"
            checked += 1
    assert checked > 100


def test_figures_are_self_contained_svg(site: Path) -> None:
    for figure in (site / "figures").iterdir():
        text = figure.read_text()
        assert text.lstrip().startswith("<?xml") and "<svg" in text
        # No fonts, images or scripts fetched from elsewhere: every reference points inside the file.
        references = re.findall(r'(?:xlink:)?href="([^"]*)"', text)
        assert all(ref.startswith("#") for ref in references), references
        assert "<script" not in text and "@import" not in text


def test_index_has_the_main_table_the_categories_and_the_marked_comparison(site: Path) -> None:
    index = (site / "index.html").read_text()
    assert "Main table" in index and "openai/coder add_shot" in index and "openai/coder selected_shot" in index
    for column in ("Comp@1", "Pass@1", "SU<sub>1.0</sub>@1"):
        assert column in index
    assert "activation" in index and "reduce" in index
    # study-b's speedups (0.5x..) are well below study-a's (2x..): its geomean cells are marked lower.
    comparison = index[index.index("Runs compared"):]
    geomean = comparison[comparison.index("geomean speedup"):]
    assert geomean.count('class="down"') == 3  # activation, reduce and all
    assert 'class="up"' not in geomean
    # Pass@1 is the same in both runs: no mark there.
    rates = comparison[comparison.index("<h3>Pass@1"):comparison.index("geomean speedup")]
    assert 'class="down"' not in rates and 'class="up"' not in rates


def test_a_failed_build_page_shows_the_log_the_prompt_the_answer_and_the_candidate(site: Path) -> None:
    page = (site / answer_path("study-a", _verdict("task1", 0))).read_text()
    assert "failed in <b>build</b>" in page
    assert "error: &#39;out&#39; was not declared in this scope" in page  # the build log, escaped
    assert "Rewrite Model &lt;with&gt; custom kernels &amp; keep the signature." in page  # the prompt, exactly
    assert '<span class="nc">ModelNew</span>' in page  # the candidate, highlighted
    assert "turn 2" in page and "pass" in page  # the later turn that fixed it is one click away
    assert BUILD_LOG.splitlines()[0].split(":")[0] in page


def test_a_timed_page_plots_every_trial_and_gives_the_interval(site: Path) -> None:
    page = (site / answer_path("study-a", _verdict("task2", 0))).read_text()
    assert page.count("<polyline") == 3  # candidate, eager, torch.compile
    assert re.search(r"Speedup over eager: <b>\d\.\d\dx</b> \[\d\.\d\dx, \d\.\d\dx\] \(95% bootstrap\)", page)
    assert "Test CPU 9000" in page and "Seed 7" in page


def test_a_flagged_answer_page_lists_its_flag(site: Path) -> None:
    page = (site / answer_path("study-a", _verdict("task5", 0))).read_text()
    assert 'class="flagged"' in page and "runtime_torch_op" in page and "line 9 (aten::relu)" in page


def test_the_run_page_links_each_category_to_its_answers(site: Path) -> None:
    run_page = next(p for p in (site / "runs").iterdir() if p.name.startswith("study-a"))
    text = run_page.read_text()
    assert 'id="cat-activation"' in text and 'id="cat-reduce"' in text
    assert len(re.findall(r'href="\.\./answers/', text)) == ANSWERS_PER_RUN
    assert "geomean speedup" in text


def test_writing_again_replaces_pages_of_runs_no_longer_reported(tmp_path: Path) -> None:
    store_path = make_study_store(tmp_path / "r.sqlite")
    store = Store(store_path)
    try:
        write_html_report(load_report(store_path), "eager", tmp_path / "site", store)
        assert len(list((tmp_path / "site" / "answers").iterdir())) == 2
        write_html_report(load_report(store_path, ["study-b"]), "eager", tmp_path / "site", store)
        assert len(list((tmp_path / "site" / "answers").iterdir())) == 1
        assert len(list((tmp_path / "site" / "runs").iterdir())) == 1
    finally:
        store.close()


def test_a_folder_holding_something_else_is_never_written_into(tmp_path: Path) -> None:
    store = make_study_store(tmp_path / "r.sqlite")
    mine = tmp_path / "mine"
    (mine / "figures").mkdir(parents=True)
    (mine / "figures" / "keep.png").write_bytes(b"precious")
    result = mkb("report", "--store", str(store), "--html", str(mine), cache=tmp_path / "cache")
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {mine} is not empty and holds no multikernelbench report")
    assert (mine / "figures" / "keep.png").read_bytes() == b"precious" and not (mine / "index.html").exists()


def test_an_unwritable_folder_is_a_one_line_error(tmp_path: Path) -> None:
    store = make_study_store(tmp_path / "r.sqlite")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = mkb("report", "--store", str(store), "--html", str(blocker / "site"), cache=tmp_path / "cache")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot write the report to") and "Traceback" not in result.stderr


# ---- in a real browser ----

_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
_REQUIRED = bool(os.environ.get("MKB_REQUIRE_BROWSER"))


@pytest.mark.skipif(not _CHROMIUM and not _REQUIRED, reason="no chromium (apt-get install chromium)")
def test_chromium_opens_the_index_and_an_answer_page_without_errors(site: Path, tmp_path: Path) -> None:
    assert _CHROMIUM, "MKB_REQUIRE_BROWSER is set but chromium is not installed"
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
                    if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
            page.goto((site / "index.html").as_uri())
            assert page.title() == "multikernelbench report"
            # Every figure decoded (an <img> that failed has no natural width).
            widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 5 and all(w > 0 for w in widths)
            page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
            page.click("#main tbody a >> nth=0")  # a main-table cell leads to its run's answers
            assert page.inner_text("h1") == "Run study-a"
            page.goto((site / answer_path("study-a", _verdict("task2", 0))).as_uri())
            assert "task2" in page.inner_text("h1")
            page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    for shot in ("index.png", "answer.png"):
        data = (tmp_path / shot).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
