"""Every page and API route of the portal, for every demo role: allowed or refused, as an explicit table.

The table names every route (walked from the URL resolver, as tests/test_url_coverage.py does): a new route
without a row fails `test_every_route_has_an_expectation`. Reads are GETs; writes are POSTs with an empty body,
so a refused role must be refused whatever it sends (403 in scope but not allowed, 404 out of scope, 405 method),
and an allowed role may get a 400 or a form back but never 403/404.

A row whose current answer is a leak (a refused role served) would carry the current behaviour and a `# LEAK:`
comment; none does today. No row answers a refused role with a 302/400: the role and scope are checked before the
body is validated. test_refused_roles_are_refused_with_a_valid_body sends a complete, valid body to the refused roles
of the routes that once validated first, and to the roles refused only for the object a body names.
"""

import copy
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from enterprises.models import Enterprise, Region
from measures import services as measure_services
from measures.models import Indicator, Measure, PolicyDocument, Progress
from reform_portal.accounts.services import token_issue
from reporting.assessments import services as assessment_services
from tests.conftest import make_sx_soe, make_users, make_yn_enterprise
from tests.factories import EnterpriseFactory, open_period

pytestmark = pytest.mark.django_db

ROLES = (
    "admin",
    "officer-yn",
    "officer-sx",
    "sasac-yn",
    "sasac-sx",
    "enterprise-yn",
    "enterprise-sx",
    "group-yn",
    "group-sx",
    "county-yn",
    "county-sx",
)
SKIPPED_NAMES = {"set_language", "login", "logout", "api-token", "api-schema", "api-docs", "javascript-catalog"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def named_routes(patterns=None, namespace=""):
    """{qualified name: pattern} of every named route, less the admin and the public ones."""
    found = {}
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith(("admin/", "i18n/")):
                continue
            inner = f"{namespace}{p.namespace}:" if p.namespace else namespace
            found.update(named_routes(p.url_patterns, inner))
        elif isinstance(p, URLPattern) and p.name and p.name not in SKIPPED_NAMES:
            found[f"{namespace}{p.name}"] = str(p.pattern)
    return found


def build_objects(users, enterprise, *, side: str) -> dict:
    """Real rows for every URL argument: `enterprise` (of the province of `side`, "yn" or "sx") and what hangs off
    it: a progress row with evidence, the province's document, measure and indicator, its reporting period and the
    enterprise's draft self-assessment with evidence."""
    province = enterprise.region.parent
    document = PolicyDocument.objects.filter(province=province).order_by("pk").first()
    progress = Progress.objects.filter(enterprise=enterprise).order_by("pk").first()
    evidence = measure_services.evidence_add(
        progress=progress, upload=SimpleUploadedFile("制度.pdf", PDF), by=users[f"officer-{side}"]
    )
    indicator = Indicator.objects.filter(measure__document=document).order_by("pk").first()
    period = open_period(province_id=province.pk, opened_by=users["admin"])
    assessment = assessment_services.assessment_start(
        period=period, enterprise=enterprise, by=users[f"enterprise-{side}"]
    )
    item = assessment.items.select_related("measure").order_by("pk").first()
    answer = assessment.indicator_answers.select_related("indicator").order_by("pk").first()
    assessment_evidence = assessment_services.evidence_add(
        item=item, upload=SimpleUploadedFile("证书.pdf", PDF), by=users[f"enterprise-{side}"]
    )
    return {
        "enterprise": enterprise,
        "document": document,
        "measure": Measure.objects.filter(document=document).order_by("pk").first(),
        "progress": progress,
        "evidence": evidence,
        "indicator": indicator,
        "period": period,
        "assessment": assessment,
        "item": item,
        "answer": answer,
        "assessment_evidence": assessment_evidence,
        "token": token_issue(user=users[f"officer-{side}"], name="matrix")[0],  # the side's officer's API token
        "job": _finished_export_job(users[f"officer-{side}"]),  # the side's officer's background export, done
        **_reminder_and_escalation(period, enterprise, users[f"officer-{side}"]),
        **_channel_and_delivery(users[f"officer-{side}"]),
        **_supervision_order(users, enterprise, side),
        "pilot": _pilot(enterprise, users[f"officer-{side}"]),  # designated by the side's (prefecture) officer
        "inbox_notice": _inbox_notice(users[f"officer-{side}"], enterprise),  # in the side's officer's inbox
        "award_round": _award_round(users[f"sasac-{side}"], enterprise),  # the side's province, by its SASAC staff
        "bulletin": _bulletin(users[f"sasac-{side}"], enterprise),  # a draft of the side's prefecture, with its files
        **_liaison_and_visit(users, enterprise, side),  # the side's officer, its 联络员, and a visit it logged
        **_questions_and_faq(users, enterprise, side),  # 产改直通车: the side's enterprise asks, its officer answers
    }


def _bulletin(sasac, enterprise):
    """A draft bulletin of the enterprise's prefecture (Kunming, Xi'an) by the side's SASAC staff, its files built."""
    from django.core.files.base import ContentFile

    from reporting.bulletins.services import bulletin_create

    bulletin = bulletin_create(
        province=enterprise.region.parent,
        prefecture=enterprise.region,
        date_from=timezone.localdate() - timedelta(days=30),
        date_to=timezone.localdate(),
        by=sasac,
    )
    bulletin.docx_file.save("b.docx", ContentFile(b"PK\x03\x04"), save=False)
    bulletin.pdf_file.save("b.pdf", ContentFile(PDF), save=False)
    bulletin.status = "built"
    bulletin.save()
    return bulletin


def _award_round(sasac, enterprise):
    from reporting.awards.services import round_create

    return round_create(
        name="评优推荐",
        year=timezone.localdate().year,
        level="省级",
        province=enterprise.region.parent,
        quota={enterprise.region.code: 1},
        by=sasac,
    )


def _liaison_and_visit(users, enterprise, side) -> dict:
    """The side's officer qualified as 联络员 and assigned to the enterprise by an administrator, and a 直通车 visit it
    logged there (enterprises/liaisons)."""
    from enterprises.liaisons import services as liaison_services
    from enterprises.liaisons.models import LiaisonQualification

    officer = users[f"officer-{side}"]
    LiaisonQualification.objects.create(user=officer, role="liaison")
    LiaisonQualification.objects.create(user=officer, role="instructor")  # not assigned as such: the valid body
    assignment = liaison_services.assignment_create(
        enterprise=enterprise, user=officer, role="liaison", by=users["admin"]
    )
    visit = liaison_services.visit_log(
        enterprise=enterprise,
        visited_on=timezone.localdate() - timedelta(days=2),
        people_met="工会主席",
        questions_answered="技能等级认定",
        by=officer,
    )
    return {"liaison_assignment": assignment, "visit": visit}


def _questions_and_faq(users, enterprise, side) -> dict:
    """Two 直通车 questions of the enterprise (its user asked, with an attachment): one waiting for an answer, one
    answered by the side's officer; and an FAQ entry of a measure that applies to it, published by that officer."""
    from enterprises.consultations import services as consultations
    from measures.applicability import applicable_measures

    asker, officer = users[f"enterprise-{side}"], users[f"officer-{side}"]
    measure = applicable_measures(enterprise).order_by("pk").first()
    open_question = consultations.question_ask(
        enterprise=enterprise, topic="measure", measure=measure, title="经费比例", body="怎么算？",
        files=[SimpleUploadedFile("问题.pdf", PDF)], by=asker,
    )  # fmt: skip
    answered = consultations.question_ask(enterprise=enterprise, topic="assessment", title="自评", body="？", by=asker)
    consultations.question_answer(question=answered, text="答复", by=officer, expected_version=None)
    faq = consultations.faq_publish(question=answered, measure=measure, title="常见问题", answer="答复", by=officer)
    return {
        "question": open_question,
        "question_file": open_question.messages.get().files.get(),
        "answered_question": answered,
        "faq": faq,
    }


def _inbox_notice(officer, enterprise):
    from reform_portal.inbox.models import Notice
    from reform_portal.inbox.services import notify

    notify(user_ids=[officer.pk], kind="assessment", title="请审核", url="/", enterprise_id=enterprise.pk)
    return Notice.objects.filter(recipient=officer).order_by("-pk").first()


def _pilot(enterprise, officer):
    from enterprises.pilots.services import pilot_designate
    from measures.applicability import applicable_measures

    return pilot_designate(
        enterprise=enterprise,
        region=enterprise.region,
        document_number="试点〔2024〕1号",
        designated_on=timezone.localdate(),
        measures=list(applicable_measures(enterprise).order_by("pk")[:2]),
        by=officer,
    )


def _reminder_and_escalation(period, enterprise, officer) -> dict:
    """A reminder sent to the enterprise by its officer, and an escalation of it to that officer."""
    from reporting.assessments.models import AssessmentNotice, DeadlineReminder

    notice = AssessmentNotice.objects.create(period=period, enterprise=enterprise, message="请填报", sent_by=officer)
    escalation = DeadlineReminder.objects.create(
        period=period,
        enterprise=enterprise,
        kind="escalation",
        step=0,
        due_date=period.deadline,
        level="prefecture",
        recipients=[officer.pk],
    )
    return {"notice": notice, "escalation": escalation}


def _supervision_order(users, enterprise, side) -> dict:
    """An order issued by the side's SASAC staff to the enterprise, replied by its user with a file (awaiting the
    check)."""
    from measures.applicability import applicable_measures
    from reporting.supervision import services as order_services

    (order,) = order_services.order_issue(
        enterprises=[enterprise],
        measures=list(applicable_measures(enterprise).order_by("pk")[:1]),
        request="请整改",
        due_date=timezone.localdate() + timedelta(days=30),
        by=users[f"sasac-{side}"],
    )
    reply = order_services.order_reply(
        order=order, text="已整改", files=[SimpleUploadedFile("整改.pdf", PDF)], by=users[f"enterprise-{side}"]
    )
    return {"order": order, "order_file": reply.files.get()}


def _channel_and_delivery(officer) -> dict:
    """The side's officer's own group robot, and a test message to it (reform_portal/channels)."""
    from reform_portal.channels import services as channel_services

    channel = channel_services.channel_create(
        data={"kind": "wecom", "name": "矩阵", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=m"},
        by=officer,
        owner=officer,
    )
    return {"channel": channel, "delivery": channel_services.channel_test(channel=channel, by=officer)}


def _finished_export_job(owner):
    from django.core.files.base import ContentFile

    from reform_portal.access import JobPolicy
    from reform_portal.jobs.models import Job

    job = Job(kind=Job.Kind.ENTERPRISE_EXPORT, owner=owner, status=Job.Status.SUCCEEDED, parameters={})
    job.parameters = {"filters": {}, "sight": JobPolicy.sight(owner)}
    job.result_file.save("export.xlsx", ContentFile(b"PK\x03\x04"), save=False)
    job.finished_at = timezone.now()
    job.save()
    return job


def _group_and_county_users(yn_enterprise, sx_soe) -> dict:
    """A group user and a county officer of each side, with real rows: the side's enterprise is a subsidiary granted
    to its group user (the head is another enterprise of the province), in the county of its county officer."""
    from tests.factories.groups import county, make_county_officer, make_group_user

    more = {}
    for side, enterprise, county_code, other_county_code in (
        ("yn", yn_enterprise, "530102", "530103"),  # 五华区 (昆明市); the head in 盘龙区
        ("sx", sx_soe, "610102", "610103"),  # 新城区 (西安市); the head in 碑林区
    ):
        in_county = county(county_code)
        head = EnterpriseFactory(name=f"测试集团本部（{side}）有限公司", county=county(other_county_code))
        Enterprise.objects.filter(pk=enterprise.pk).update(parent=head, county=in_county)
        enterprise.parent, enterprise.county = head, in_county
        more[f"group-{side}"] = make_group_user(f"t-group-{side}", head=head, granted=[enterprise])
        more[f"county-{side}"] = make_county_officer(f"t-county-{side}", counties=[in_county])
    return more


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The users of every role and both sides' objects, built once for the module (about a fifth of each test's time
    when built per test) in a transaction rolled back at the module's end. Each test runs in a savepoint of it
    (pytest-django's `db`), so no test's writes reach the next; each gets its own copies of the instances."""
    media = tmp_path_factory.mktemp("matrix-media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast):
        with transaction.atomic():
            kunming, xian = Region.objects.get(code="530100"), Region.objects.get(code="610100")
            yn_enterprise, sx_soe = make_yn_enterprise(kunming), make_sx_soe(xian)
            users = make_users(kunming, xian, yn_enterprise, sx_soe)
            users.update(_group_and_county_users(yn_enterprise, sx_soe))
            SESSIONS.update(_sign_in(users))
            yield {
                "users": users,
                "yn": build_objects(users, yn_enterprise, side="yn"),
                "sx": build_objects(users, sx_soe, side="sx"),
            }
            transaction.set_rollback(True)
    SESSIONS.clear()


@pytest.fixture
def users(world, db):
    return copy.deepcopy(world["users"])


@pytest.fixture
def objects(world, db):
    """Yunnan's (Kunming) enterprise and what hangs off it: in scope for the Yunnan roles, out of it for Shaanxi's."""
    return copy.deepcopy(world["yn"])


@pytest.fixture
def sx_objects(world, db):
    """Shaanxi's (Xi'an) state-owned enterprise and what hangs off it: the mirror image of `objects`."""
    return copy.deepcopy(world["sx"])


def _assessment(o, **extra):
    return {"pk": o["assessment"].pk, **extra}


# The URL arguments of every route that takes some, from the real rows of `objects`.
URL_KWARGS = {
    "api-assessment-accept": _assessment,
    # two-level sign-off and the changes since acceptance (the world's period has one level: nobody forwards; a
    # progress record with no change since an acceptance is in nobody's queue: 404 for those who may look)
    "api-assessment-forward": _assessment,
    "api-assessment-return-to-reviewer": _assessment,
    "reporting:assessments:forward": _assessment,
    "reporting:assessments:return_to_reviewer": _assessment,
    "reporting:assessments:change_decide": lambda o: {"kind": "progress", "record_id": o["progress"].pk},
    "api-assessment-change-confirm": lambda o: {"key": f"progress-{o['progress'].pk}"},
    "api-assessment-change-question": lambda o: {"key": f"progress-{o['progress'].pk}"},
    "api-assessment-detail": _assessment,
    "api-assessment-evidence": _assessment,
    "api-assessment-evidence-download": lambda o: _assessment(o, evidence_pk=o["assessment_evidence"].pk),
    "api-assessment-edit-indicator": lambda o: _assessment(o, indicator_code=o["answer"].indicator.code),
    "api-assessment-edit-item": lambda o: _assessment(o, measure_code=o["item"].measure.code),
    "accounts:token_revoke": lambda o: {"pk": o["token"].pk},
    "api-token-detail": lambda o: {"pk": o["token"].pk},
    "api-assessment-period-detail": lambda o: {"pk": o["period"].pk},
    "api-assessment-return-": _assessment,
    "api-assessment-review-indicator": lambda o: _assessment(o, indicator_code=o["answer"].indicator.code),
    "api-assessment-review-item": lambda o: _assessment(o, measure_code=o["item"].measure.code),
    "api-assessment-submit": _assessment,
    "api-document-detail": lambda o: {"pk": o["document"].pk},
    "api-enterprise-detail": lambda o: {"pk": o["enterprise"].pk},
    "api-evidence-detail": lambda o: {"pk": o["evidence"].pk},
    "api-evidence-download": lambda o: {"pk": o["evidence"].pk},
    "api-evidence-withdraw": lambda o: {"pk": o["evidence"].pk},
    "api-measure-detail": lambda o: {"pk": o["measure"].pk},
    "api-progress-detail": lambda o: {"pk": o["progress"].pk},
    "api-progress-evidence": lambda o: {"pk": o["progress"].pk},
    "api-region-detail": lambda o: {"code": o["enterprise"].region.code},
    "api-reminder-detail": lambda o: {"pk": o["notice"].pk},
    "api-escalation-detail": lambda o: {"pk": o["escalation"].pk},
    "api-channel-detail": lambda o: {"pk": o["channel"].pk},
    "api-delivery-detail": lambda o: {"pk": o["delivery"].pk},
    "channels:edit": lambda o: {"pk": o["channel"].pk},
    "channels:delete": lambda o: {"pk": o["channel"].pk},
    "channels:test": lambda o: {"pk": o["channel"].pk},
    "supervision:detail": lambda o: {"pk": o["order"].pk},
    "supervision:reply": lambda o: {"pk": o["order"].pk},
    "supervision:decide": lambda o: {"pk": o["order"].pk},
    "supervision:file": lambda o: {"pk": o["order_file"].pk},
    "supervision:issue": lambda o: {"enterprise_pk": o["enterprise"].pk},
    "api-order-detail": lambda o: {"pk": o["order"].pk},
    "api-order-replies": lambda o: {"pk": o["order"].pk},
    "api-order-accept": lambda o: {"pk": o["order"].pk},
    "api-order-return-": lambda o: {"pk": o["order"].pk},
    "enterprises:detail": lambda o: {"pk": o["enterprise"].pk},
    "jobs:detail": lambda o: {"pk": o["job"].pk},
    "jobs:download": lambda o: {"pk": o["job"].pk},
    "inbox:open": lambda o: {"pk": o["inbox_notice"].pk},
    "api-notice-detail": lambda o: {"pk": o["inbox_notice"].pk},
    "api-notice-read": lambda o: {"pk": o["inbox_notice"].pk},
    "enterprises:edit": lambda o: {"pk": o["enterprise"].pk},
    "enterprises:history": lambda o: {"pk": o["enterprise"].pk},
    "enterprises:group_access": lambda o: {"pk": o["enterprise"].pk},
    "measures:evidence_download": lambda o: {"pk": o["evidence"].pk},
    "measures:evidence_withdraw": lambda o: {"pk": o["evidence"].pk},
    "measures:indicator_value": lambda o: {"enterprise_pk": o["enterprise"].pk, "indicator_pk": o["indicator"].pk},
    "measures:indicator_history": lambda o: {"enterprise_pk": o["enterprise"].pk, "indicator_pk": o["indicator"].pk},
    "measures:progress_edit": lambda o: {"pk": o["progress"].pk},
    "measures:progress_history": lambda o: {"pk": o["progress"].pk},
    "measures:progress_row": lambda o: {"pk": o["progress"].pk},
    "measures:document": lambda o: {"code": o["document"].code},
    "measures:measure": lambda o: {"code": o["measure"].code},
    "reporting:assessments:accept": _assessment,
    "reporting:assessments:detail": _assessment,
    "reporting:assessments:evidence_delete": lambda o: _assessment(o, evidence_pk=o["assessment_evidence"].pk),
    "reporting:assessments:evidence_download": lambda o: _assessment(o, evidence_pk=o["assessment_evidence"].pk),
    "reporting:assessments:evidence_upload": lambda o: _assessment(o, item_pk=o["item"].pk),
    "reporting:assessments:indicator_save": lambda o: _assessment(o, answer_pk=o["answer"].pk),
    "reporting:assessments:item_save": lambda o: _assessment(o, item_pk=o["item"].pk),
    "reporting:assessments:pdf": _assessment,
    "reporting:assessments:period_update": lambda o: {"pk": o["period"].pk},
    "reporting:assessments:remind": lambda o: {"period_pk": o["period"].pk},
    "reporting:assessments:return": _assessment,
    "reporting:assessments:review_indicator": lambda o: _assessment(o, answer_pk=o["answer"].pk),
    "reporting:assessments:review_item": lambda o: _assessment(o, item_pk=o["item"].pk),
    "reporting:assessments:start": lambda o: {"period_pk": o["period"].pk},
    "reporting:assessments:submit": _assessment,
    "reporting:assessments:xlsx": _assessment,
    "reporting:assessments:workbook": _assessment,
    "reporting:assessments:workbook_upload": _assessment,
    "consultations:detail": lambda o: {"pk": o["question"].pk},
    "consultations:answer": lambda o: {"pk": o["question"].pk},
    "consultations:forward": lambda o: {"pk": o["question"].pk},
    "consultations:forward_liaison": lambda o: {"pk": o["question"].pk},
    "consultations:follow_up": lambda o: {"pk": o["answered_question"].pk},
    "consultations:rate": lambda o: {"pk": o["answered_question"].pk},
    "consultations:publish": lambda o: {"pk": o["answered_question"].pk},
    "consultations:file": lambda o: {"pk": o["question_file"].pk},
    "consultations:faq_detail": lambda o: {"pk": o["faq"].pk},
    "consultations:faq_edit": lambda o: {"pk": o["faq"].pk},
    "consultations:faq_withdraw": lambda o: {"pk": o["faq"].pk},
    "api-question-detail": lambda o: {"pk": o["question"].pk},
    "api-question-messages": lambda o: {"pk": o["question"].pk},
    "api-question-answer": lambda o: {"pk": o["question"].pk},
    "api-question-forward": lambda o: {"pk": o["question"].pk},
    "api-question-forward-liaison": lambda o: {"pk": o["question"].pk},
    "api-question-follow-up": lambda o: {"pk": o["answered_question"].pk},
    "api-question-rate": lambda o: {"pk": o["answered_question"].pk},
    "api-faq-detail": lambda o: {"pk": o["faq"].pk},
    "pilots:designate": lambda o: {"enterprise_pk": o["enterprise"].pk},
    "pilots:detail": lambda o: {"pk": o["pilot"].pk},
    "pilots:edit": lambda o: {"pk": o["pilot"].pk},
    "pilots:end": lambda o: {"pk": o["pilot"].pk},
    "pilots:fund_add": lambda o: {"pk": o["pilot"].pk},
    "api-pilot-detail": lambda o: {"pk": o["pilot"].pk},
    "awards:detail": lambda o: {"pk": o["award_round"].pk},
    "awards:decide": lambda o: {"pk": o["award_round"].pk},
    "awards:export": lambda o: {"pk": o["award_round"].pk},
    "api-award-round-detail": lambda o: {"pk": o["award_round"].pk},
    "api-award-round-shortlist": lambda o: {"pk": o["award_round"].pk},
    "api-pilot-funds": lambda o: {"pk": o["pilot"].pk},
    "bulletins:detail": lambda o: {"pk": o["bulletin"].pk},
    "bulletins:edit": lambda o: {"pk": o["bulletin"].pk},
    "bulletins:build": lambda o: {"pk": o["bulletin"].pk},
    "bulletins:issue": lambda o: {"pk": o["bulletin"].pk},
    "bulletins:download": lambda o: {"pk": o["bulletin"].pk, "kind": "pdf"},
    "api-bulletin-detail": lambda o: {"pk": o["bulletin"].pk},
    "api-bulletin-build": lambda o: {"pk": o["bulletin"].pk},
    "api-bulletin-issue": lambda o: {"pk": o["bulletin"].pk},
    "liaisons:assign": lambda o: {"enterprise_pk": o["enterprise"].pk},
    "liaisons:end": lambda o: {"pk": o["liaison_assignment"].pk},
    "liaisons:visit_create": lambda o: {"enterprise_pk": o["enterprise"].pk},
    "liaisons:visit_detail": lambda o: {"pk": o["visit"].pk},
    "liaisons:visit_edit": lambda o: {"pk": o["visit"].pk},
    "api-liaison-detail": lambda o: {"pk": o["liaison_assignment"].pk},
    "api-liaison-end": lambda o: {"pk": o["liaison_assignment"].pk},
    "api-visit-detail": lambda o: {"pk": o["visit"].pk},
}


# Routes whose object is named in the query string (the bulk update by filter: the list's filter naming the
# enterprise by its credit code).
URL_QUERY = {"enterprises:bulk_by_filter": lambda o: {"q": o["enterprise"].credit_code}}


def url_of(name, o) -> str:
    builder = URL_KWARGS.get(name)
    url = reverse(name, kwargs=builder(o) if builder else None)
    return f"{url}?{urlencode(URL_QUERY[name](o))}" if name in URL_QUERY else url


# Each role's session, signed in once for the module by `world` (a sign-in with its signals and session writes cost as
# much as the request it precedes): {user's pk: session key}.
SESSIONS: dict[int, str] = {}


def request_as(client, user, method: str, url: str, data=None):
    """One request as `user` (in the session `world` signed them in with), rolled back afterwards so that no role's
    write (the session's own included) changes what the next one sees."""
    client.cookies.clear()
    client.cookies[settings.SESSION_COOKIE_NAME] = SESSIONS[user.pk]
    kwargs = {"content_type": "application/json"} if method == "PATCH" else {}
    with transaction.atomic():
        response = getattr(client, method.lower())(
            url, data if data is not None else ({} if method != "PATCH" else "{}"), **kwargs
        )
        transaction.set_rollback(True)
    client.cookies.clear()
    return response


def _sign_in(users) -> dict[int, str]:
    sessions = {}
    for user in users.values():
        client = Client()
        client.force_login(user)
        sessions[user.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


# Expected outcome per role, in the order of ROLES:
#   admin  officer-yn  officer-sx  sasac-yn  sasac-sx  enterprise-yn  enterprise-sx  group-yn  group-sx  county-yn
#   county-sx
# "ok" = allowed (a read: 2xx or a redirect that is not to the login page; a write with an empty body: anything but
# 403/404 and the login page), 403 = in scope but not allowed, 404 = out of scope, 405 = method not allowed.
# The objects are Yunnan's: the Kunming enterprise, its progress row and evidence, Yunnan's period and the
# enterprise's draft self-assessment (SASAC reads submitted assessments only, so a draft is out of its scope).
# group-yn is the user of a Yunnan group's head office, granted the Kunming enterprise (a subsidiary): it sees and
# fills in what enterprise-yn does, but the pages that take the enterprise from the user (the self-assessment index,
# `start`, the API's create) are not its way in (403: its home starts a granted subsidiary's form). county-yn is
# the officer of the Kunming enterprise's county (五华区): an officer like officer-yn for it.
# Where the object is named in the body (the enterprises of a bulk update, the province of a new period, the period
# of a new assessment) a role that may write in general is "ok" for the empty body; the valid-body test below shows
# it refused for Yunnan's object.
A, O_YN, O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_YN, C_SX = ROLES
EXPECTED: dict[str, dict[str, str]] = {
    # -- portal pages --------------------------------------------------------------------------------
    "home": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "enterprises:list": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "enterprises:export": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "enterprises:create": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "enterprises:import": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "enterprises:import_template": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    # background jobs: everyone has a list of their own; the job is officer-yn's (its owner's and administrators')
    "jobs:list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "jobs:detail": {"GET": "ok ok 404 404 404 404 404 404 404 404 404"},
    "jobs:download": {"GET": "ok ok 404 404 404 404 404 404 404 404 404"},
    # the inbox: everyone has one; the notice is officer-yn's alone (administrators included: anyone else's is a 404)
    "inbox:list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "inbox:open": {"GET": "404 ok 404 404 404 404 404 404 404 404 404"},
    "inbox:read_all": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "api-notice-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-notice-detail": {"GET": "404 ok 404 404 404 404 404 404 404 404 404"},
    "api-notice-read": {"POST": "404 ok 404 404 404 404 404 404 404 404 404"},
    "api-notice-read-all": {"POST": "ok ok ok ok ok ok ok ok ok ok ok"},
    "enterprises:bulk_progress": {"POST": "ok ok ok 403 403 403 403 403 403 ok ok"},
    # the filter names the enterprise; the selection is always within the charge (test_bulk_by_filter_per_role)
    "enterprises:bulk_by_filter": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    # one measure's progress by workbook: the rows are always within the charge (tests/enterprises/
    # test_progress_workbook.py: an officer of the other side uploading them is refused per row)
    "enterprises:progress_workbook": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "enterprises:progress_workbook_download": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    "enterprises:detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "enterprises:edit": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "enterprises:history": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "enterprises:group_access": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "measures:progress_row": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "measures:progress_edit": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "measures:progress_history": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "measures:evidence_download": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    # withdrawing a wrong file (with a reason): the officers in charge and administrators (access.WITHDRAW_EVIDENCE)
    "measures:evidence_withdraw": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "measures:indicator_value": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "measures:indicator_history": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "measures:documents": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "measures:document": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "measures:measure": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    # -- dashboard -----------------------------------------------------------------------------------
    "reporting:dashboard": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:drilldown": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:drilldown_export": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:export": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:runs": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:refresh": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok 403 403 ok ok 403 403 403 403 403 403",
    },
    # -- self-assessment pages -----------------------------------------------------------------------
    "reporting:assessments:index": {"GET": "ok ok ok ok ok ok ok 403 403 ok ok"},
    "reporting:assessments:periods": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok 403 403 ok ok 403 403 403 403 403 403",
    },
    "reporting:assessments:period_update": {"POST": "ok 403 404 ok 404 403 404 403 404 403 404"},
    "reporting:assessments:remind": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "reporting:assessments:start": {"POST": "403 403 403 403 403 ok 404 403 403 403 403"},
    "reporting:assessments:detail": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "reporting:assessments:pdf": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "reporting:assessments:xlsx": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    # the offline round trip: whoever reads the form downloads it; only those who fill it in upload it back
    "reporting:assessments:workbook": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "reporting:assessments:workbook_upload": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:item_save": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:indicator_save": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:evidence_upload": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:evidence_download": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "reporting:assessments:evidence_delete": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:submit": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "reporting:assessments:review_item": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "reporting:assessments:review_indicator": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "reporting:assessments:return": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "reporting:assessments:accept": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    # two levels of review: with the world's one-level period nobody forwards or returns to a reviewer (403 in scope)
    "reporting:assessments:forward": {"POST": "403 403 404 404 404 403 404 403 404 403 404"},
    "reporting:assessments:return_to_reviewer": {"POST": "403 403 404 404 404 403 404 403 404 403 404"},
    # values changed since an acceptance: officers and administrators
    "reporting:assessments:changes": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    "reporting:assessments:change_decide": {"POST": "404 404 404 403 403 403 403 403 403 404 404"},
    # -- the security audit log (administrators only) -------------------------------------------------------
    "audit:list": {"GET": "ok 403 403 403 403 403 403 403 403 403 403"},
    "audit:export": {"GET": "ok 403 403 403 403 403 403 403 403 403 403"},
    # -- pilot enterprises (试点) and their funds: the pilot is designated by officer-yn (Kunming) for Kunming; the
    # province's and the prefecture's officers designate and change, county officers and SASAC staff read --------
    "pilots:list": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:pilots_panel": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},  # the dashboard's panel
    "pilots:export": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "pilots:find": {"GET": "ok ok ok 403 403 403 403 403 403 403 403"},
    "pilots:designate": {
        "GET": "ok ok 404 403 404 403 404 403 404 403 404",
        "POST": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    "pilots:detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "pilots:edit": {
        "GET": "ok ok 404 403 404 403 404 403 404 403 404",
        "POST": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    "pilots:end": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    "pilots:fund_add": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    "api-pilot-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 403 403",
    },
    "api-pilot-detail": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "PATCH": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    "api-pilot-funds": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 403 404",
    },
    # -- 产改直通车 (enterprises/consultations): enterprise-yn asked both questions (one waits for an answer, one
    # officer-yn answered); the officers in charge (officer-yn, county-yn) answer, forward and publish, SASAC staff
    # read, the enterprise's side (its user, the group user it is granted to) asks, follows up and rates; the FAQ
    # entry is of a measure that applies to it, read by its province's officers and SASAC staff ------------------
    "consultations:list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "consultations:ask": {
        "GET": "403 403 403 403 403 ok ok ok ok 403 403",
        "POST": "403 403 403 403 403 ok ok ok ok 403 403",
    },
    "consultations:detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "consultations:answer": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "consultations:forward": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "consultations:forward_liaison": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "consultations:follow_up": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "403 403 404 403 404 ok 404 ok 404 403 404",
    },
    "consultations:rate": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "403 403 404 403 404 ok 404 ok 404 403 404",
    },
    "consultations:publish": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "consultations:file": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "consultations:faq": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "consultations:faq_detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "consultations:faq_edit": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "consultations:faq_withdraw": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "api-question-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "403 403 403 403 403 ok ok ok ok 403 403",
    },
    "api-question-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-question-messages": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-question-answer": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "api-question-forward": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "api-question-forward-liaison": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "api-question-follow-up": {"POST": "403 403 404 403 404 ok 404 ok 404 403 404"},
    "api-question-rate": {"POST": "403 403 404 403 404 ok 404 ok 404 403 404"},
    "api-faq-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-faq-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    # -- 产改联络员 and 直通车 visits (enterprises/liaisons): officer-yn is the Kunming enterprise's 联络员 (assigned by
    # the administrator) and logged the visit; officers whose regions cover the enterprise assign and change, SASAC
    # staff read the visits, the enterprise's own users see the assignments but not the visits (403) ----------------
    "liaisons:mine": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    "liaisons:assign": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "liaisons:end": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "liaisons:visit_list": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "liaisons:visit_export": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    "reporting:visits_panel": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},  # the dashboard's panel
    "liaisons:visit_create": {
        "GET": "ok ok 404 403 404 403 404 403 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "liaisons:visit_detail": {"GET": "ok ok 404 ok 404 403 403 403 403 ok 404"},
    "liaisons:visit_edit": {
        "GET": "ok ok 404 403 404 403 403 403 403 ok 404",
        "POST": "ok ok 404 403 404 403 403 403 403 ok 404",
    },
    "api-liaison-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "api-liaison-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-liaison-end": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "api-visit-list": {
        "GET": "ok ok ok ok ok 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "api-visit-detail": {
        "GET": "ok ok 404 ok 404 403 403 403 403 ok 404",
        "PATCH": "ok ok 404 403 404 403 403 403 403 ok 404",
    },
    # -- group robots (reform_portal/channels): officers and administrators have robots, the channel is officer-yn's
    # own (a county officer or another officer: 404; roles without robots: 403); everyone sees their deliveries
    "channels:list": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    "channels:create": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "channels:edit": {
        "GET": "ok ok 404 403 403 403 403 403 403 404 404",
        "POST": "ok ok 404 403 403 403 403 403 403 404 404",
    },
    "channels:delete": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 403 403 403 403 403 404 404",
    },
    "channels:test": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 403 403 403 403 403 403 404 404",
    },
    "channels:deliveries": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    # -- API -----------------------------------------------------------------------------------------
    "api-region-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-region-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-enterprise-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "api-enterprise-detail": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "PATCH": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "api-document-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405 405 405",
    },
    "api-document-detail": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-measure-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405 405 405",
    },
    "api-measure-detail": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-progress-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405 405 405",
    },
    "api-progress-detail": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "PATCH": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "api-progress-evidence": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "POST": "ok ok 404 403 404 403 404 403 404 ok 404",
    },
    "api-evidence-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "405 405 405 405 405 405 405 405 405 405 405",
    },
    "api-evidence-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-evidence-download": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-evidence-withdraw": {"POST": "ok ok 404 403 404 403 404 403 404 ok 404"},
    "api-rollups": {"GET": "ok ok ok ok ok 403 403 403 403 ok ok"},
    # reminders: officers (and administrators) send them for their charge; whoever sees the enterprise reads them
    "api-reminder-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "api-reminder-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    # escalations of overdue enterprises: the union's and the regulator's, not the enterprise's
    "api-escalation-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-escalation-detail": {"GET": "ok ok 404 ok 404 404 404 404 404 ok 404"},
    # group robots: as their pages; the delivery is officer-yn's test message to its own robot
    "api-channel-list": {
        "GET": "ok ok ok 403 403 403 403 403 403 ok ok",
        "POST": "ok ok ok 403 403 403 403 403 403 ok ok",
    },
    "api-channel-detail": {
        "GET": "ok ok 404 403 403 403 403 403 403 404 404",
        "PATCH": "ok ok 404 403 403 403 403 403 403 404 404",
        "DELETE": "ok ok 404 403 403 403 403 403 403 404 404",
    },
    "api-delivery-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-delivery-detail": {"GET": "ok ok 404 404 404 404 404 404 404 404 404"},
    "api-assessment-period-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok 403 403 ok ok 403 403 403 403 403 403",
    },
    "api-assessment-period-detail": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "PATCH": "ok 403 404 ok 404 403 404 403 404 403 404",
    },
    "api-assessment-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "403 403 403 403 403 ok ok 403 403 403 403",
    },
    "api-assessment-detail": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "api-assessment-evidence": {
        "GET": "ok ok 404 404 404 ok 404 ok 404 ok 404",
        "POST": "403 403 404 404 404 ok 404 ok 404 403 404",
    },
    "api-assessment-evidence-download": {"GET": "ok ok 404 404 404 ok 404 ok 404 ok 404"},
    "api-assessment-edit-item": {"PATCH": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "api-assessment-edit-indicator": {"PATCH": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "api-assessment-review-item": {"PATCH": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "api-assessment-review-indicator": {"PATCH": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "api-assessment-submit": {"POST": "403 403 404 404 404 ok 404 ok 404 403 404"},
    "api-assessment-return-": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "api-assessment-accept": {"POST": "ok ok 404 404 404 403 404 403 404 ok 404"},
    "api-assessment-forward": {"POST": "403 403 404 404 404 403 404 403 404 403 404"},
    "api-assessment-return-to-reviewer": {"POST": "403 403 404 404 404 403 404 403 404 403 404"},
    "api-assessment-change-list": {"GET": "ok ok ok 403 403 403 403 403 403 ok ok"},
    "api-assessment-change-confirm": {"POST": "404 404 404 403 403 403 403 403 403 404 404"},
    "api-assessment-change-question": {"POST": "404 404 404 403 403 403 403 403 403 404 404"},
    # -- supervision orders (督办单): SASAC-yn's order to the Kunming enterprise, replied, awaiting SASAC's check ----
    "supervision:list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "supervision:export": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "supervision:issue_by_filter": {
        "GET": "ok ok ok ok ok 403 403 403 403 ok ok",
        "POST": "ok ok ok ok ok 403 403 403 403 ok ok",
    },
    "supervision:issue": {
        "GET": "ok ok 404 ok 404 403 403 403 403 ok 404",
        "POST": "ok ok 404 ok 404 403 403 403 403 ok 404",
    },
    "supervision:detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "supervision:reply": {"POST": "403 403 404 403 404 ok 404 ok 404 403 404"},
    "supervision:decide": {"POST": "ok 403 404 ok 404 403 404 403 404 403 404"},
    "supervision:file": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-order-list": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok 403 403 403 403 ok ok",
    },
    "api-order-detail": {"GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404"},
    "api-order-replies": {
        "GET": "ok ok 404 ok 404 ok 404 ok 404 ok 404",
        "POST": "403 403 404 403 404 ok 404 ok 404 403 404",
    },
    "api-order-accept": {"POST": "ok 403 404 ok 404 403 404 403 404 403 404"},
    "api-order-return-": {"POST": "ok 403 404 ok 404 403 404 403 404 403 404"},
    # -- one's own account (the token is officer-yn's: everyone else's is out of scope) ---------------------
    "accounts:password_change": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "accounts:otp_setup": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "accounts:otp_verify": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "accounts:otp_disable": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "accounts:tokens": {
        "GET": "ok ok ok ok ok ok ok ok ok ok ok",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    "accounts:token_revoke": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "404 ok 404 404 404 404 404 404 404 404 404",
    },
    "accounts:logout_everywhere": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok ok ok ok ok ok ok ok ok ok",
    },
    # -- award shortlists (评优推荐): the side's round, made by its SASAC staff; SASAC staff, the province's officers
    # and administrators manage, a prefecture's officers read their part, nobody else sees any ---------------------
    "awards:list": {
        "GET": "ok ok ok ok ok 404 404 404 404 404 404",
        "POST": "ok 403 403 ok ok 404 404 404 404 404 404",
    },
    "awards:detail": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "awards:decide": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok 403 404 ok 404 404 404 404 404 404 404",
    },
    "awards:export": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "api-award-round-list": {
        "GET": "ok ok ok ok ok 404 404 404 404 404 404",
        "POST": "ok 403 403 ok ok 404 404 404 404 404 404",
    },
    "api-award-round-detail": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "api-award-round-shortlist": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    # -- the official bulletin (通报): a draft of the side's prefecture (Kunming) by its SASAC staff, files built;
    # SASAC staff of the province, the prefecture's officers and administrators manage it; a county's officer reads
    # only issued ones (so none here) and creates none; enterprises and groups see nothing -----------------------------
    "bulletins:list": {"GET": "ok ok ok ok ok 404 404 404 404 ok ok"},
    "bulletins:create": {
        "GET": "ok ok ok ok ok 404 404 404 404 403 403",
        "POST": "ok ok ok ok ok 404 404 404 404 403 403",
    },
    "bulletins:detail": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "bulletins:edit": {
        "GET": "ok ok 404 ok 404 404 404 404 404 404 404",
        "POST": "ok ok 404 ok 404 404 404 404 404 404 404",
    },
    "bulletins:build": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 ok 404 404 404 404 404 404 404",
    },
    "bulletins:issue": {
        "GET": "405 405 405 405 405 405 405 405 405 405 405",
        "POST": "ok ok 404 ok 404 404 404 404 404 404 404",
    },
    "bulletins:download": {"GET": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "api-bulletin-list": {
        "GET": "ok ok ok ok ok 404 404 404 404 ok ok",
        "POST": "ok ok ok ok ok 404 404 404 404 403 403",
    },
    "api-bulletin-detail": {
        "GET": "ok ok 404 ok 404 404 404 404 404 404 404",
        "PATCH": "ok ok 404 ok 404 404 404 404 404 404 404",
    },
    "api-bulletin-build": {"POST": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "api-bulletin-issue": {"POST": "ok ok 404 ok 404 404 404 404 404 404 404"},
    "api-token-list": {"GET": "ok ok ok ok ok ok ok ok ok ok ok"},
    "api-token-detail": {
        "GET": "404 ok 404 404 404 404 404 404 404 404 404",
        "DELETE": "404 ok 404 404 404 404 404 404 404 404 404",
    },
}

CASES = sorted((name, method) for name, methods in EXPECTED.items() for method in methods)


def test_every_route_has_an_expectation():
    routes = set(named_routes())
    missing = sorted(routes - set(EXPECTED))
    assert not missing, "\n".join(f"route {name} has no expectation" for name in missing)
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, f"expectations for routes that no longer exist: {stale}"
    assert set(URL_KWARGS) <= routes
    for name, methods in EXPECTED.items():
        for method, row in methods.items():
            assert len(row.split()) == len(ROLES), f"{method} {name}: one outcome per role"
            # a refused role is refused whatever the body: never a 302 back to a form or a 400 for the empty one
            assert not {"302", "400"} & set(row.split()), f"{method} {name}: refuse before validating the body"


def _check(response, method: str, expected: str, where: str):
    status = response.status_code
    to_login = status == 302 and "/login/" in response.get("Location", "")
    assert not to_login, f"{where}: sent to the login page"
    assert status < 500, f"{where}: {status}"
    if expected != "ok":
        assert status == int(expected), f"{where}: expected {expected}, got {status}"
    elif method == "GET":
        assert 200 <= status < 400, f"{where}: expected allowed, got {status}"
    else:
        assert status not in (403, 404, 405), f"{where}: expected allowed, got {status}"


# The table is written for Yunnan's objects; Shaanxi's are its mirror image (each Yunnan role swaps with its Shaanxi
# twin), so every role is asked for a real object in its scope and a real one out of it.
MIRROR = {
    A: A,
    O_YN: O_SX,
    O_SX: O_YN,
    S_YN: S_SX,
    S_SX: S_YN,
    E_YN: E_SX,
    E_SX: E_YN,
    G_YN: G_SX,
    G_SX: G_YN,
    C_YN: C_SX,
    C_SX: C_YN,
}


def expected_for(name: str, method: str, side: str) -> dict[str, str]:
    row = dict(zip(ROLES, EXPECTED[name][method].split(), strict=True))
    return row if side == "yn" else {role: row[MIRROR[role]] for role in ROLES}


@pytest.mark.parametrize("side", ["yn", "sx"])
@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{m} {n}" for n, m in CASES])
def test_route_per_role(client, users, request, name, method, side):
    o = request.getfixturevalue("objects" if side == "yn" else "sx_objects")
    url = url_of(name, o)
    for role, expected in expected_for(name, method, side).items():
        response = request_as(client, users[role], method, url)
        _check(response, method, expected, f"{method} {url} as {role}")


def test_every_role_meets_an_object_in_scope_and_one_out_of_it():
    # across the two sides, each role is allowed somewhere and refused with a 404 somewhere (real rows both times)
    for role in ROLES[1:]:
        outcomes = {expected_for(n, m, side)[role] for n, m in CASES for side in ("yn", "sx")}
        assert {"ok", "404"} <= outcomes, role


def _valid_bodies(o) -> list[tuple[str, str, dict, tuple[str, ...]]]:
    """(route, method, a valid body, roles that must still be refused, a role that gets through): a complete, valid
    body changes nothing for a refused role - neither for one the table refuses with the empty body, nor for one
    refused only for the (Yunnan) object the body names."""
    today = timezone.localdate()
    enterprise, item, version = o["enterprise"], o["item"], o["assessment"].version
    code = item.measure.code

    def pdf(name="材料.pdf"):
        return SimpleUploadedFile(name, PDF, content_type="application/pdf")

    return [
        (
            "enterprises:bulk_progress",
            "POST",
            lambda: {
                "enterprises": [enterprise.pk],
                "measure": o["progress"].measure_id,
                "status": "in_progress",
                "percent": 10,
            },
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            C_YN,
        ),
        (
            "reporting:assessments:period_update",
            "POST",
            lambda: {"deadline": (today + timedelta(days=40)).isoformat(), "is_open": "on"},
            (O_YN, E_YN, G_YN, C_YN),
            S_YN,
        ),
        ("reporting:assessments:remind", "POST", lambda: {"enterprise": [enterprise.pk]}, (S_YN, E_YN, G_YN), C_YN),
        (
            "api-reminder-list",
            "POST",
            lambda: {"period": o["period"].pk, "enterprises": [enterprise.pk]},
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            C_YN,
        ),
        (
            "api-pilot-list",
            "POST",
            lambda: {
                "enterprise_id": enterprise.pk,
                "region": enterprise.region.code,
                "document_number": "昆工发〔2025〕1号",
                "designated_on": today.isoformat(),
                "measures": [m.code for m in o["pilot"].measures.all()],
            },
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_YN, C_SX),
            O_YN,
        ),
        (
            "api-liaison-list",
            "POST",
            lambda: {"enterprise_id": enterprise.pk, "user_id": o["liaison_assignment"].user_id, "role": "instructor"},
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            O_YN,
        ),
        (
            "api-visit-list",
            "POST",
            lambda: {
                "enterprise_id": enterprise.pk,
                "visited_on": today.isoformat(),
                "people_met": "工会主席",
                "questions_answered": "技能等级认定",
            },
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            C_YN,
        ),
        ("reporting:assessments:evidence_upload", "POST", lambda: {f"ev-{code}-file": pdf()}, (A, O_YN, C_YN), G_YN),
        (
            "measures:evidence_withdraw",
            "POST",
            lambda: {"reason": "误传了其他企业的文件"},
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            C_YN,
        ),
        (
            "api-evidence-withdraw",
            "POST",
            lambda: {"reason": "误传了其他企业的文件"},
            (O_SX, S_YN, S_SX, E_YN, E_SX, G_YN, G_SX, C_SX),
            O_YN,
        ),
        (
            "api-assessment-period-list",
            "POST",
            lambda: {
                "province": "530000",
                "year": today.year + 1,
                "opens_on": today.isoformat(),
                "deadline": (today + timedelta(days=30)).isoformat(),
            },
            (O_YN, O_SX, S_SX, E_YN, E_SX, G_YN, G_SX, C_YN, C_SX),
            S_YN,
        ),
        (
            "api-assessment-list",
            "POST",
            lambda: {"period": o["period"].pk},
            (A, O_YN, O_SX, S_YN, S_SX, E_SX, G_YN, G_SX, C_YN, C_SX),
            E_YN,
        ),
        ("api-assessment-evidence", "POST", lambda: {"measure": code, "file": pdf()}, (A, O_YN, C_YN), E_YN),
        (
            "api-assessment-edit-indicator",
            "PATCH",
            lambda: {"claimed_value": 1, "version": version},
            (A, O_YN, C_YN, G_SX),
            G_YN,
        ),
        (
            "api-assessment-review-indicator",
            "PATCH",
            lambda: {"verified_value": 1, "version": version},
            (E_YN, G_YN, C_SX),
            C_YN,
        ),
    ]


def _encoded(method, data):
    return json.dumps(data) if method == "PATCH" else data


def test_refused_roles_are_refused_with_a_valid_body(client, users, objects):
    checked = set()
    for name, method, body, refused, allowed in _valid_bodies(objects):
        url = url_of(name, objects)
        for role in refused:
            response = request_as(client, users[role], method, url, _encoded(method, body()))
            assert response.status_code in (403, 404), f"{method} {url} as {role}: {response.status_code}"
        # the body is valid: a role allowed to write gets past validation and access with it (409: the draft is
        # not in a state to review, which is decided after both)
        response = request_as(client, users[allowed], method, url, _encoded(method, body()))
        assert response.status_code < 400 or response.status_code == 409, f"{method} {url} as {allowed}: {response}"
        checked.add(name)
    # every write that names its object in the body is covered here
    assert {"enterprises:bulk_progress", "api-assessment-period-list", "api-assessment-list"} <= checked


# The bulk update by filter, with a valid body and token, for each side's enterprise named in the filter: the roles in
# charge of it select and change it, officers of the other side select nothing (their charge, whatever the filter
# names), the roles that may not update progress are refused.
BULK_REACH = {"yn": {A: 1, O_YN: 1, C_YN: 1, O_SX: 0, C_SX: 0}, "sx": {A: 1, O_SX: 1, C_SX: 1, O_YN: 0, C_YN: 0}}


@pytest.mark.parametrize("side", ["yn", "sx"])
def test_bulk_by_filter_per_role(client, users, request, side):
    o = request.getfixturevalue("objects" if side == "yn" else "sx_objects")
    progress, url = o["progress"], url_of("enterprises:bulk_by_filter", o)
    body = {
        "bulk-measure": progress.measure_id,
        "bulk-current": "",
        "bulk-status": "in_progress",
        "bulk-percent": 10,
        "bulk-note": "matrix",
    }
    for role in ROLES:
        client.force_login(users[role])
        shown = client.get(f"{url}&{urlencode(body)}")  # the filter and the form in the query string
        reach = BULK_REACH[side].get(role)
        if reach is None:
            assert shown.status_code == 403, f"{role}: {shown.status_code}"
            assert request_as(client, users[role], "POST", url, {**body, "bulk-token": "x"}).status_code == 403
            continue
        assert shown.context["preview"].count == reach, role
        token = shown.context["preview"].token
        with transaction.atomic():
            done = client.post(url, {**body, "bulk-token": token})
            progress.refresh_from_db()
            assert done.status_code == 302, f"{role}: {done.status_code}"
            assert (progress.status == "in_progress") == bool(reach), role
            transaction.set_rollback(True)
        client.logout()
