"""The bulletins' pages: the archive (list), a new bulletin, a bulletin (its figures once built, its build's progress
polled with htmx, the download links), the text blocks' edit (stale edits refused), build, issue, download.
Bulletins are loaded through `BulletinPolicy.visible` (out of scope: 404), then the action is asked of the policy
(not allowed: 403)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from enterprises.models import Region
from reform_portal.access import BulletinPolicy
from reform_portal.audit.services import record_download
from reform_portal.outbox.services import Enqueuer
from reform_portal.versioning import StaleEdit

from . import services
from .forms import CreateForm, EditForm
from .selectors import BULLETINS_SHOWN, bulletins_visible, scopes_for
from .tasks import BUILD_TASK

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def _listable(request):
    if not BulletinPolicy.can(request.user, BulletinPolicy.LIST):
        raise Http404


def _bulletin(request, pk):
    _listable(request)
    return get_object_or_404(bulletins_visible(request.user), pk=pk)


def _manageable(request, pk):
    bulletin = _bulletin(request, pk)
    if not BulletinPolicy.can(request.user, BulletinPolicy.MANAGE, bulletin):
        raise PermissionDenied
    return bulletin


def _form_errors(form, exc: ValidationError) -> None:
    for name, problems in exc.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@login_required
@require_GET
def bulletin_list(request):
    _listable(request)
    bulletins = list(bulletins_visible(request.user)[:BULLETINS_SHOWN])
    return render(
        request,
        "bulletins/bulletin_list.html",
        {
            "issued": [b for b in bulletins if b.is_issued],
            "drafts": [b for b in bulletins if not b.is_issued],
            "may_create": BulletinPolicy.can(request.user, BulletinPolicy.MANAGE),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_create(request):
    _listable(request)
    if not BulletinPolicy.can(request.user, BulletinPolicy.MANAGE):
        raise PermissionDenied
    regions = scopes_for(request.user)
    if request.method == "POST":
        form = CreateForm(request.POST, regions=regions)
        if form.is_valid():
            data = form.cleaned_data
            region = Region.objects.select_related("parent").get(pk=data["scope"])
            try:
                bulletin = services.bulletin_create(
                    province=region.parent or region,
                    prefecture=region if region.parent_id else None,
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    title=data["title"],
                    opening=data["opening"],
                    assessment=data["assessment"],
                    next_steps=data["next_steps"],
                    by=request.user,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已创建通报 %(number)s。") % {"number": bulletin.number})
                return redirect("bulletins:detail", pk=bulletin.pk)
        return render(request, "bulletins/bulletin_create.html", {"form": form}, status=400)
    date_from, date_to = services.default_range()
    scope = regions[0] if regions else None
    initial = {"date_from": date_from, "date_to": date_to, "scope": scope.pk if scope else None}
    if scope is not None:
        initial |= services.draft_texts(scope_name=scope.name, date_from=date_from, date_to=date_to)
    return render(request, "bulletins/bulletin_create.html", {"form": CreateForm(initial=initial, regions=regions)})


def _detail_context(request, bulletin):
    return {
        "bulletin": bulletin,
        "figures": bulletin.figures or None,
        "may_manage": BulletinPolicy.can(request.user, BulletinPolicy.MANAGE, bulletin) and not bulletin.is_issued,
    }


@login_required
@require_GET
def bulletin_detail(request, pk):
    bulletin = _bulletin(request, pk)
    context = _detail_context(request, bulletin)
    if getattr(request, "htmx", False):  # the poll while it builds: the build block alone
        return render(request, "bulletins/partials/build_state.html", context)
    return render(request, "bulletins/bulletin_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bulletin_edit(request, pk):
    bulletin = _manageable(request, pk)
    if bulletin.is_issued:
        raise PermissionDenied
    status, theirs = 200, None
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.bulletin_edit(
                    bulletin=bulletin,
                    title=data["title"],
                    opening=data["opening"],
                    assessment=data["assessment"],
                    next_steps=data["next_steps"],
                    expected_version=data["version"],
                    by=request.user,
                )
            except StaleEdit as exc:
                theirs = exc.current  # shown beside the officer's own text
                form.add_error(None, exc.message)
                form.data = form.data.copy()
                form.data["version"] = exc.current.version
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("已保存。"))
                return redirect("bulletins:detail", pk=bulletin.pk)
        status = 409 if theirs is not None else 400
    else:
        form = EditForm(
            initial={
                "title": bulletin.title,
                "opening": bulletin.opening,
                "assessment": bulletin.assessment,
                "next_steps": bulletin.next_steps,
                "version": bulletin.version,
            }
        )
    return render(
        request, "bulletins/bulletin_edit.html", {"bulletin": bulletin, "form": form, "theirs": theirs}, status=status
    )


@login_required
@require_POST
def bulletin_build(request, pk):
    bulletin = _manageable(request, pk)
    try:
        services.bulletin_build_request(bulletin=bulletin, by=request.user, enqueue=Enqueuer(BUILD_TASK))
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.info(request, _("正在生成通报文件，完成后可在本页下载。"))
    return redirect("bulletins:detail", pk=bulletin.pk)


@login_required
@require_POST
def bulletin_issue(request, pk):
    bulletin = _manageable(request, pk)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    if version is None:
        messages.error(request, _("请从通报页面印发（缺少版本号）。"))
        return redirect("bulletins:detail", pk=bulletin.pk)
    try:
        services.bulletin_issue(bulletin=bulletin, by=request.user, expected_version=version)
    except StaleEdit as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.success(request, _("通报已印发并归档。"))
    return redirect("bulletins:detail", pk=bulletin.pk)


@login_required
@require_GET
def bulletin_download(request, pk, kind):
    bulletin = _bulletin(request, pk)
    if kind not in CONTENT_TYPES:
        raise Http404
    stored = bulletin.docx_file if kind == "docx" else bulletin.pdf_file
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_download(request, f"bulletin:{kind}", target=bulletin)
    return FileResponse(
        handle, as_attachment=True, filename=f"{bulletin.number}.{kind}", content_type=CONTENT_TYPES[kind]
    )
