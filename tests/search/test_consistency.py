"""The index stays in step with what it is told, across threads, processes and rebuilds."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.search.index import CatalogueIndex
from app.search.locking import file_lock
from app.search.schema import InvalidDocument
from app.search.storage import IndexMissing, RebuildInProgress

from .conftest import CATALOGUE, catalogue


def slugs(result) -> set[str]:
    return {hit.slug for hit in result.hits}


def new_doc(slug: str, name: str = "Zephyr edge gateway for PLC data") -> dict:
    return {"slug": slug, "name": name, "lang": "en", "capabilities": ["production.iiot"]}


def test_a_published_plugin_is_found_at_once_by_every_process(fresh: CatalogueIndex):
    with CatalogueIndex(fresh.root) as other_process:
        assert other_process.search("zephyr").total == 0  # its searcher is now open
        fresh.add(new_doc("edge-gw"))
        assert slugs(other_process.search("zephyr")) == {"edge-gw"}


def test_edits_replace_the_old_text(fresh: CatalogueIndex):
    doc = catalogue()[2]
    doc["name"] = "VibraSense Motor Guard"
    fresh.update(doc)
    assert slugs(fresh.search("guard")) == {"vibrasense"}
    assert fresh.search("kit").total == 0
    assert fresh.doc_count() == len(CATALOGUE)


def test_a_suspended_plugin_disappears_at_once(fresh: CatalogueIndex):
    with CatalogueIndex(fresh.root) as other_process:
        assert "vibrasense" in slugs(other_process.search("maintenance"))
        fresh.remove("vibrasense")
        assert "vibrasense" not in slugs(other_process.search("maintenance"))
        assert "vibrasense" not in slugs(other_process.search("", per_page=100))
    fresh.remove("never-indexed")  # removing twice or unknown slugs is harmless


def test_the_index_is_not_touched_until_told(fresh: CatalogueIndex):
    # A change the database rolled back is never passed on: the index keeps the old state.
    doc = catalogue()[0]
    doc["name"] = "renamed in a transaction that was rolled back"
    assert "dye-aps" in slugs(fresh.search("印染"))
    assert fresh.search("rolled").total == 0


def test_a_batch_with_a_bad_document_changes_nothing(fresh: CatalogueIndex):
    with pytest.raises(InvalidDocument, match="name"):
        fresh.apply([("upsert", new_doc("ok")), ("upsert", {"slug": "no-name"})])
    with pytest.raises(InvalidDocument, match="slug"):
        fresh.add({"name": "no slug"})
    with pytest.raises(ValueError, match="unknown change"):
        fresh.apply([("delete", "vibrasense")])
    assert fresh.search("zephyr").total == 0


def test_a_batch_is_applied_in_order_in_one_commit(fresh: CatalogueIndex):
    fresh.apply([("upsert", new_doc("a")), ("remove", "a"), ("upsert", new_doc("b"))])
    assert slugs(fresh.search("zephyr")) == {"b"}


def test_writers_in_threads_queue_up(fresh: CatalogueIndex):
    def write(worker: int) -> None:
        for i in range(4):
            fresh.add(new_doc(f"t{worker}-{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fresh.search("zephyr", per_page=100).total == 16


def test_writers_in_other_processes_queue_up(fresh: CatalogueIndex):
    code = (
        "import sys\n"
        "from app.search.index import CatalogueIndex\n"
        "index = CatalogueIndex(sys.argv[1])\n"
        "for i in range(3):\n"
        "    index.add({'slug': f'p{sys.argv[2]}-{i}', 'name': 'Zephyr edge gateway'})\n"
    )
    repo = Path(__file__).resolve().parents[2]
    workers = [
        subprocess.Popen([sys.executable, "-c", code, str(fresh.root), str(n)], cwd=repo)
        for n in range(2)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    assert fresh.search("zephyr", per_page=100).total == 6


def test_rebuild_swaps_in_a_new_generation_and_drops_old_ones(fresh: CatalogueIndex):
    first = fresh._current_generation()
    report = fresh.rebuild(catalogue()[:3])
    assert report.documents == 3 and report.generation != first
    assert fresh.search("").total == 3
    fresh.rebuild(catalogue())
    assert fresh._generations() == [report.generation, fresh._current_generation()]


def test_rebuild_reports_progress_and_skips_bad_documents(tmp_path: Path):
    seen: list[tuple[int, int | None]] = []
    docs = [*catalogue(), {"slug": "broken", "name": ""}]
    report = CatalogueIndex(tmp_path).rebuild(docs, progress=lambda d, t: seen.append((d, t)))
    assert report.documents == len(CATALOGUE) and report.skipped == ["broken"]
    assert seen[-1] == (len(CATALOGUE), len(docs))


def test_writes_during_a_rebuild_survive_the_swap(fresh: CatalogueIndex):
    web_process = CatalogueIndex(fresh.root)

    def snapshot():  # the database rows, read before the web process's commits below
        rows = catalogue()
        yield from rows[:3]
        web_process.remove("vibrasense")  # suspended while the rebuild runs
        web_process.add(new_doc("edge-gw"))  # published while the rebuild runs
        assert "vibrasense" not in slugs(web_process.search("", per_page=100))
        yield from rows[3:]

    fresh.rebuild(snapshot())
    web_process.close()
    after = slugs(fresh.search("", per_page=100))
    assert "vibrasense" not in after and "edge-gw" in after
    assert not (fresh.root / "journal.jsonl").exists()


def test_searches_keep_answering_during_rebuilds(fresh: CatalogueIndex):
    stop = threading.Event()
    failures: list[BaseException] = []
    totals: list[int] = []

    def search_until_stopped() -> None:
        with CatalogueIndex(fresh.root) as reader:
            while not stop.is_set():
                try:
                    result = reader.search("maintenance OR 排产 OR warehouse", per_page=5)
                    totals.append(result.total)
                    assert result.message is None, result.message
                except BaseException as exc:  # record, the main thread asserts
                    failures.append(exc)
                    return

    threads = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(3):
            fresh.rebuild(catalogue())
            fresh.add(new_doc("edge-gw"))
            fresh.remove("edge-gw")
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    assert len(totals) > 10 and set(totals) == {5}


def test_only_one_rebuild_at_a_time(fresh: CatalogueIndex):
    with file_lock(fresh.root / "rebuild.lock"), pytest.raises(RebuildInProgress):
        fresh.rebuild(catalogue())


def test_a_journal_left_by_a_crashed_rebuild_is_cleared(fresh: CatalogueIndex):
    (fresh.root / "journal.jsonl").write_text("")
    fresh.add(new_doc("edge-gw"))
    assert not (fresh.root / "journal.jsonl").exists()


def test_ensure_builds_a_missing_index_and_leaves_a_healthy_one(tmp_path: Path):
    with CatalogueIndex(tmp_path / "search") as index:
        with pytest.raises(IndexMissing):  # the portal then answers from the database
            index.search("maintenance")
        with pytest.raises(IndexMissing):
            index.add(new_doc("x"))
        assert index.ensure(catalogue) is True
        assert index.search("").total == len(CATALOGUE)
        assert index.ensure(catalogue) is False


@pytest.mark.parametrize("damage", ["segments", "toc", "pointer", "schema"])
def test_ensure_rebuilds_a_corrupt_or_outdated_index(fresh: CatalogueIndex, damage: str):
    generation = fresh.root / fresh._current_generation()
    if damage == "segments":
        for path in generation.glob("*.seg"):
            path.write_bytes(b"\0garbage" * 10)
    elif damage == "toc":
        for path in generation.glob("*.toc"):
            path.unlink()
    elif damage == "pointer":
        (fresh.root / "CURRENT").write_text("nonsense")
    else:
        (fresh.root / "CURRENT").write_text(f"{generation.name} schema=0")
    assert fresh.ensure(catalogue) is True
    assert fresh.search("").total == len(CATALOGUE)
