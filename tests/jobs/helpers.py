"""Following a job as a user does: the page queues it, a worker runs it (here: the task's function, in the test's
transaction), the user lands on the job's page."""

from django.urls import resolve

from reform_portal.jobs import tasks
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import TASKS


def run_job(job_id: int) -> Job:
    job = Job.objects.get(pk=job_id)
    getattr(tasks, TASKS[job.kind].rsplit(".", 1)[1])(job_id)  # the task's body, as the worker runs it
    return Job.objects.get(pk=job_id)


def follow_job(client, response):
    """`response`: the page's answer. A redirect to a job: run the job, then open its page (context["result"] is
    the import's report, as the import page had it). Anything else (a refusal, the form's errors) as it is."""
    location = response.get("Location", "") if response.status_code == 302 else ""
    match = resolve(location.split("?")[0]) if location.startswith("/jobs/") else None
    if match is None or match.url_name != "detail":
        return response
    run_job(match.kwargs["pk"])
    return client.get(location)


def post_import(client, upload, url="/enterprises/import/"):
    """Import `upload` through the page and follow its job to the report."""
    return follow_job(client, client.post(url, {"file": upload}))
