"""产改联络员 / 指导员 and 直通车 visits in the demo (reform_portal/demo.py calls this), through the services, so that
the enterprise page's 产改联络员 box, "我联系的企业", the visits' list and the dashboard's panel have something to
show. Idempotent: an officer already qualified, assigned or a visit already logged (same enterprise and day) is kept."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import services
from .choices import LiaisonRole
from .models import LiaisonAssignment, LiaisonQualification, Visit

# (officer's username, role, enterprise key)
DEMO_ASSIGNMENTS = (
    ("officer-yn", LiaisonRole.LIAISON, "yunling-cnc"),
    ("officer-county", LiaisonRole.INSTRUCTOR, "dianzhong"),
)
# (officer's username, enterprise key, days ago, people met, questions answered, follow-ups, follow-up due in days)
DEMO_VISITS = (
    (
        "officer-yn",
        "yunling-cnc",
        20,
        "工会主席 陈红；人力资源部经理 周涛",
        "职业技能等级认定的申报条件和企业自主评价的流程；职工教育经费按工资总额 8% 提取的口径。",
        "寄送企业自主评价备案材料清单",
        10,
    ),
    (
        "officer-yn",
        "yunling-cnc",
        3,
        "工会主席 陈红；一线班组长 3 名",
        "劳模创新工作室的认定标准；技能竞赛获奖职工的待遇衔接。",
        "",
        None,
    ),
)


def seed_liaisons(*, enterprises: dict, by) -> int:
    """Qualify and assign the demo officers (by `by`, an administrator) and log the demo visits; the visits logged."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in={a[0] for a in DEMO_ASSIGNMENTS})}
    for username, role, key in DEMO_ASSIGNMENTS:
        user, enterprise = users.get(username), enterprises.get(key)
        if user is None or enterprise is None:
            continue
        LiaisonQualification.objects.get_or_create(user=user, role=role)
        if not LiaisonAssignment.objects.filter(enterprise=enterprise, user=user, role=role, ended_at=None).exists():
            services.assignment_create(enterprise=enterprise, user=user, role=role, by=by)
    today = timezone.localdate()
    made = 0
    for username, key, days, people, questions, follow_ups, due in DEMO_VISITS:
        user, enterprise = users.get(username), enterprises.get(key)
        visited_on = today - timedelta(days=days)
        if (
            user is None
            or enterprise is None
            or Visit.objects.filter(enterprise=enterprise, visited_on=visited_on).exists()
        ):
            continue
        services.visit_log(
            enterprise=enterprise,
            visited_on=visited_on,
            people_met=people,
            questions_answered=questions,
            follow_ups=follow_ups,
            follow_up_due=visited_on + timedelta(days=due) if due else None,
            by=user,
        )
        made += 1
    return made
