"""`flask matching train` learns from recorded outcomes; new matches carry the new version."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.models import Need, NeedStatus
from app.services import matching


def test_train_on_outcomes_then_matches_use_the_learned_model(app, db, tmp_path):
    runner = app.test_cli_runner()
    too_early = runner.invoke(args=["matching", "train"])
    assert too_early.exit_code == 1 and "too little feedback" in too_early.output

    runner.invoke(args=["demo", "load"])
    app.instance_path, saved = str(tmp_path), app.instance_path  # the model file goes here
    try:
        result = runner.invoke(args=["matching", "train", "--min-needs", "2"])
        assert result.exit_code == 0, result.output
        metrics = json.loads(result.output.strip().splitlines()[-1])
        assert "train_ndcg@10" in metrics
        saved_model = json.loads(matching.ranker_path().read_text(encoding="utf-8"))
        assert saved_model["trained_on"]["source"] == "portal outcomes"

        need = db.session.scalar(sa.select(Need).where(Need.status == NeedStatus.OPEN))
        stored = matching.refresh_matches(need)
        assert stored and all(m.model_version.endswith(saved_model["version"]) for m in stored)

        evaluated = runner.invoke(args=["matching", "evaluate"])
        assert evaluated.exit_code == 0, evaluated.output
        assert "ndcg@10" in json.loads(evaluated.output.strip().splitlines()[-1])
    finally:
        app.instance_path = saved
