"""The self-assessment as printed (issue 13, item 7): the PDF read back as text carries the policy's document
number, the enterprise's credit code, the measure codes, 是/否 answers, the officer's verification (status, who,
when, comment), "第 x 页 共 y 页" on every page and the signature and seal block."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from measures.models import PolicyDocument
from reporting.assessments import services

pytestmark = pytest.mark.django_db


def pdf_pages(client, assessment) -> list[str]:
    response = client.get(reverse("reporting:assessments:pdf", args=[assessment.pk]))
    assert response["Content-Type"] == "application/pdf"
    # long lines wrap: compare without whitespace
    return ["".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages]


def test_the_printed_form_carries_what_a_signed_paper_form_does(client, submitted, users):
    officer = users["officer-yn"]
    officer.first_name, officer.last_name = "李明", ""
    officer.save()
    item = submitted.items.select_related("measure").get(measure__code="YN-S1")
    services.review_item_save(
        item=item, by=officer, verified_status="in_progress", verified_percent=40, comment="领导小组名单待补充"
    )
    services.assessment_accept(assessment=submitted, by=officer, comment="同意")
    client.force_login(users["enterprise-yn"])

    pages = pdf_pages(client, submitted)
    text = "".join(pages)

    document = PolicyDocument.objects.get(code="yn-2022-21")
    assert document.number == "云工通〔2022〕21号" and document.number in text
    assert submitted.enterprise.credit_code in text
    # every measure named by its code first: "YN-S1 （一）压紧压实工作责任"
    for measure_item in submitted.items.select_related("measure"):
        assert "".join(measure_item.measure.label.split()) in text, measure_item.measure.code
    assert "YN-S1（一）压紧压实工作责任" in text
    # a yes/no indicator reads 是, never 1 (the fixture answers a 是 target with 是)
    assert "领导小组" in text and "填报值是" in text
    assert not re.search(r"填报值[01](\.00)?[，（]", text)
    # the officer's verification of YN-S1: status, percent, who, when, comment
    today = timezone.localdate().isoformat()
    assert "核实状态：推进中核实完成：40%" in text
    assert f"核实人：李明核实时间：{today}" in text
    assert "审核意见：领导小组名单待补充" in text
    assert "审核人：李明" in text
    # page numbers on every page, the count filled in
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert f"第{number}页共{len(pages)}页" in page, number
    # the signature and seal block, once, on the last page
    for words in ("企业负责人（签字）", "企业（盖章）", "工会（盖章）", "日期：年月日"):
        assert words in pages[-1], words


def test_a_form_no_officer_has_verified_says_no_one_verified_it(client, submitted, users):
    client.force_login(users["officer-yn"])
    text = "".join(pdf_pages(client, submitted))
    assert "核实人" not in text and "审核人" not in text
    assert "工会（盖章）" in text
