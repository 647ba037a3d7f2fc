"""The inbox pages: the list (全部 / 未读, paged), opening a notice (marks it read, leads to its page), and
"全部标为已读"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from reform_portal.paging import IdsFirstPaginator, in_order

from .counts import unread_count
from .models import Notice, portal_path_problem
from .selectors import notices_of
from .services import notice_open, notices_read_all

PAGE_SIZE = 25


@login_required
@require_GET
def notice_list(request):
    unread_only = request.GET.get("show") == "unread"
    notices = notices_of(user=request.user).order_by("-created_at", "-id")
    if unread_only:
        notices = notices.filter(read_at__isnull=True)
    # ids first, then the page's rows by id (reform_portal/paging.py): two queries whatever the inbox's size
    paginator = IdsFirstPaginator(notices, PAGE_SIZE, fetch=lambda ids: in_order(Notice.objects.all(), ids))
    page = paginator.get_page(request.GET.get("page"), after=request.GET.get("after"), before=request.GET.get("before"))
    context = {"page": page, "unread_only": unread_only, "unread": unread_count(user=request.user)}
    return render(request, "inbox/notice_list.html", context)


@login_required
@require_GET
def notice_open_view(request, pk):
    """Mark the notice read and go where it leads (the inbox when it leads nowhere). Only its recipient: a 404 for
    anyone else."""
    notice = get_object_or_404(notices_of(user=request.user), pk=pk)
    notice_open(notice=notice, user=request.user)
    target = notice.url
    if not target or portal_path_problem(target) or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("inbox:list")
    return redirect(target)


@login_required
@require_POST
def notices_read_all_view(request):
    count = notices_read_all(user=request.user)
    messages.success(request, _("已将 %(n)s 条通知标为已读。") % {"n": count})
    return redirect("inbox:list")
