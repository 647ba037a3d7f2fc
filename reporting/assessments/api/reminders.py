"""`/api/reminders/` and `/api/escalations/`: the reminders to fill in the self-assessment and the escalations of
overdue enterprises, as the pages and the daily task make them (services/reminders.py, services/deadline_reminders.py;
docs/reminders.md).

- `GET /api/reminders/`: the notices sent to the enterprises the user sees, by an officer or by the daily task
  (`automatic`, with the offset that sent it), newest first; filters `period`, `enterprise`, `automatic`.
- `POST /api/reminders/`: an officer (or an administrator) reminds enterprises in their charge of a period, as the
  overview's 发送提醒 does: a notice each and an email after commit. A period or an enterprise out of reach is a 404
  (as in a URL), one seen but not in the officer's charge a 403; nothing is sent then.
- `GET /api/escalations/`: the escalations of overdue enterprises (stage, union level told, how many officers),
  for officers, SASAC staff and administrators (`NoticePolicy.visible_escalations`); filters `period`,
  `enterprise`, `step`.
"""

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from enterprises.models import Enterprise
from reform_portal.access import EnterprisePolicy, NoticePolicy
from reform_portal.outbox.services import bound
from reform_portal.text_limits import NOTE_MAX_CHARS

from .. import services
from ..choices import ReminderKind
from ..models import AssessmentNotice, DeadlineReminder
from ..selectors import periods_visible
from ..tasks import send_notice_email

MAX_ENTERPRISES_PER_REQUEST = 1000


class ReminderSerializer(serializers.ModelSerializer):
    period_year = serializers.IntegerField(source="period.year", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    automatic = serializers.SerializerMethodField(help_text="由每日任务按截止日期自动发出")
    offset = serializers.SerializerMethodField(
        help_text="自动提醒的时点：截止日前 n 天（正数）、当天（0）或逾期第 n 个工作日（负数）；人工提醒为 null"
    )

    class Meta:
        model = AssessmentNotice
        fields = [
            "id",
            "period",
            "period_year",
            "enterprise",
            "enterprise_name",
            "message",
            "automatic",
            "offset",
            "sent_by",
            "created_at",
            "emailed_at",
        ]

    def get_automatic(self, notice) -> bool:
        return notice.automatic

    def get_offset(self, notice) -> int | None:
        reminder = getattr(notice, "deadline_reminder", None) if notice.automatic else None
        return reminder.step if reminder is not None else None


class ReminderSendSerializer(serializers.Serializer):
    period = serializers.IntegerField(min_value=1)
    enterprises = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_ENTERPRISES_PER_REQUEST
    )
    message = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True, default="")


class EscalationSerializer(serializers.ModelSerializer):
    period_year = serializers.IntegerField(source="period.year", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    stage = serializers.IntegerField(
        source="step", read_only=True, help_text="0：负责的工会干部；1、2：上一级、再上一级"
    )
    officers = serializers.SerializerMethodField(help_text="收到督促的工会干部人数")

    class Meta:
        model = DeadlineReminder
        fields = ["id", "period", "period_year", "enterprise", "enterprise_name", "stage", "level", "officers"]
        fields += ["due_date", "created_at", "emailed_at"]

    def get_officers(self, reminder) -> int:
        return len(reminder.recipients)


class ReminderFilter(filters.FilterSet):
    automatic = filters.BooleanFilter(method="filter_automatic", label="自动提醒")

    class Meta:
        model = AssessmentNotice
        fields = ["period", "enterprise"]

    def filter_automatic(self, qs, name, value):
        return qs.filter(automatic=value) if value is not None else qs


def _automatic():
    return Exists(DeadlineReminder.objects.filter(notice_id=OuterRef("pk")))


class ReminderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reminders to fill in the self-assessment, for the enterprises the user sees."""

    serializer_class = ReminderSerializer
    filterset_class = ReminderFilter

    def get_queryset(self):
        notices = AssessmentNotice.objects.annotate(automatic=_automatic())
        notices = notices.select_related("period", "enterprise", "deadline_reminder")
        return NoticePolicy.visible(self.request.user, notices).order_by("-created_at", "-pk")

    @extend_schema(
        request=ReminderSendSerializer,
        responses={201: ReminderSerializer(many=True), 400: OpenApiResponse(description="字段未通过校验")},
    )
    def create(self, request, *args, **kwargs):
        # Refused whatever the body: only officers and administrators remind (the service checks each enterprise).
        if not NoticePolicy.can(request.user, NoticePolicy.SEND):
            raise PermissionDenied(_("只有工会干部或管理员可以发送填报提醒。"))
        body = ReminderSendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        period = periods_visible(user=request.user).filter(pk=data["period"]).first()
        if period is None:
            raise NotFound(_("填报期不存在或不在您的范围内。"))
        wanted = set(data["enterprises"])
        visible = EnterprisePolicy.visible(request.user, Enterprise.objects.filter(pk__in=wanted))
        enterprises = list(visible.select_related("region").order_by("pk"))
        unknown = wanted - {e.pk for e in enterprises}
        if unknown:  # out of reach and nonexistent alike (404, as for a URL): nothing revealed, nothing sent
            raise NotFound(_("企业不存在或不在您的范围内：%(ids)s") % {"ids": ", ".join(map(str, sorted(unknown)))})
        try:
            notices = services.reminders_send(
                period=period,
                enterprises=enterprises,
                by=request.user,
                message=data["message"],
                enqueue_email=bound(send_notice_email),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        sent = self.get_queryset().filter(pk__in=[n.pk for n in notices])
        return Response(ReminderSerializer(sent, many=True).data, status=status.HTTP_201_CREATED)


class EscalationViewSet(viewsets.ReadOnlyModelViewSet):
    """Escalations of enterprises overdue with their self-assessment (officers, SASAC staff, administrators)."""

    serializer_class = EscalationSerializer
    filterset_fields = ["period", "enterprise", "step"]

    def get_queryset(self):
        escalations = DeadlineReminder.objects.filter(kind=ReminderKind.ESCALATION)
        escalations = escalations.select_related("period", "enterprise")
        return NoticePolicy.visible_escalations(self.request.user, escalations).order_by("-created_at", "-pk")
