"""/admin/jobs: admins see stuck jobs and retry them, in both languages."""

from __future__ import annotations

from app.models import AuditEvent, JobStatus, OutboxJob
from tests.conftest import csrf_token
from tests.jobs.conftest import RUNS, job_states


def dead_job(db) -> int:
    job = OutboxJob(
        task="test.record",
        payload={"key": "page"},
        status=JobStatus.DEAD,
        attempts=5,
        last_error="RuntimeError: index folder is read-only",
    )
    db.session.add(job)
    db.session.commit()
    return job.id


def test_admins_see_stuck_jobs_and_retry_one(db, admin_client):
    job_id = dead_job(db)
    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert f'id="job-{job_id}"' in page
    assert "index folder is read-only" in page and "failed, out of attempts" in page
    assert 'data-count="dead"' in page
    assert "Background jobs" in admin_client.get("/admin/").get_data(as_text=True)

    refused = admin_client.post(f"/admin/jobs/{job_id}/retry")  # no CSRF token
    assert refused.status_code == 400 and job_states()[job_id] == JobStatus.DEAD

    token = csrf_token(admin_client, "/admin/jobs")
    response = admin_client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert RUNS["page"] == 1 and job_states()[job_id] == JobStatus.DONE
    assert db.session.query(AuditEvent).filter_by(action="job.retry").count() == 1

    again = admin_client.post(f"/admin/jobs/{job_id}/retry", data={"csrf_token": token})
    assert again.status_code == 409  # done: nothing to retry
    assert "nothing to retry" in again.get_data(as_text=True)


def test_retry_all_and_filter_by_status(db, admin_client):
    first, second = dead_job(db), dead_job(db)
    only_dead = admin_client.get("/admin/jobs", query_string={"status": "dead"})
    assert f"job-{first}" in only_dead.get_data(as_text=True)
    token = csrf_token(admin_client, "/admin/jobs")
    response = admin_client.post("/admin/jobs/retry-stuck", data={"csrf_token": token})
    assert response.status_code == 302
    assert job_states() == {first: JobStatus.DONE, second: JobStatus.DONE}
    empty = admin_client.get("/admin/jobs", query_string={"status": "dead"})
    assert "No job matches these filters." in empty.get_data(as_text=True)


def test_the_page_speaks_chinese(db, admin_client):
    dead_job(db)
    admin_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = admin_client.get("/admin/jobs").get_data(as_text=True)
    assert "后台任务" in page


def test_smes_and_vendors_cannot_see_or_retry_jobs(db, sme_client, vendor_client):
    job_id = dead_job(db)
    for client in (sme_client, vendor_client):
        assert client.get("/admin/jobs").status_code == 403
    assert job_states()[job_id] == JobStatus.DEAD
