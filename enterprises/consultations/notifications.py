"""Who is told what about 直通车 questions: one function per event, called by the services inside their transaction
(reform_portal/inbox `notify`: the notices commit or roll back with the change they tell of).

| event      | who is told                                                                |
|------------|----------------------------------------------------------------------------|
| asked      | the officers in charge (the question's handlers)                           |
| followed   | the handlers, and the liaison it was forwarded to                          |
| answered   | the asker                                                                  |
| forwarded  | the new handlers (a level up) or the liaison it was forwarded to           |
| escalated  | the officers who were in charge (it is overdue) and those of the level up  |
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.inbox.choices import NoticeKind
from reform_portal.inbox.services import notify


def _url(question) -> str:
    return reverse("consultations:detail", args=[question.pk])


def _tell(user_ids, question, title: str) -> int:
    return notify(
        user_ids=sorted(set(user_ids)),
        kind=NoticeKind.QUESTION,
        title=title,
        body=question.title,
        url=_url(question),
        enterprise_id=question.enterprise_id,
    )


def question_asked(question) -> int:
    title = _("产改直通车：%(name)s提出了新问题") % {"name": question.enterprise.name}
    return _tell(question.handler_ids, question, title)


def question_followed_up(question) -> int:
    users = list(question.handler_ids) + ([question.assignee_id] if question.assignee_id else [])
    return _tell(users, question, _("产改直通车：企业对问题进行了追问"))


def question_answered(question) -> int:
    return _tell([question.asked_by_id], question, _("产改直通车：您的问题已答复"))


def question_forwarded(question, user_ids) -> int:
    return _tell(user_ids, question, _("产改直通车：有问题转交给您答复"))


def question_escalated(question, *, overdue_to, escalated_to) -> int:
    told = _tell(overdue_to, question, _("产改直通车：问题已逾期未答复"))
    return told + _tell(set(escalated_to) - set(overdue_to), question, _("产改直通车：逾期问题已上报给您"))
