"""The periodic tasks, declared in one place.

`manage.py setup_schedule` writes them into django-celery-beat's tables, where an administrator
can change times or switch them off in the admin; it creates missing entries and leaves edited
ones alone.
"""

PERIODIC_TASKS = [
    {
        "name": "补齐适用措施的推进记录",
        "task": "measures.tasks.progress_ensure_all",
        "crontab": {"minute": "30", "hour": "1"},
        "description": "为每家企业补建适用措施的推进记录（如目录更新或企业所有制变化后）。",
    },
    {
        "name": "全量汇总（每晚）",
        "task": "reporting.tasks.rollup_full",
        "crontab": {"minute": "0", "hour": "2"},
        "description": "按省份和政策文件分片（Celery group）重算当天的全部汇总快照。",
    },
    {
        "name": "增量刷新汇总（每 15 分钟）",
        "task": "reporting.tasks.rollup_refresh",
        "every_minutes": 15,
        "description": "只重算自上次成功汇总以来推进情况、指标值或企业有变化的政策文件的当天快照。",
    },
    {
        "name": "核对汇总计数（每周）",
        "task": "reporting.tasks.tallies_check",
        "crontab": {"minute": "0", "hour": "3", "day_of_week": "0"},
        "description": "把数据库维护的汇总计数与推进情况、指标值、企业的原始记录逐项核对，不一致时重建并记录日志。",
    },
    {
        "name": "审计日志校验与清理（每天）",
        "task": "reform_portal.audit.tasks.audit_daily",
        "crontab": {"minute": "15", "hour": "3"},
        "description": "重新计算审计日志的哈希链（断链时记录错误日志），并删除超过保留期（至少 180 天）的审计记录。",
    },
    {
        "name": "清理一年前的站内通知（每天）",
        "task": "reform_portal.inbox.tasks.notices_purge_daily",
        "crontab": {"minute": "45", "hour": "3"},
        "description": "分批删除创建超过 365 天的站内通知（docs/inbox.md）。",
    },
    {
        "name": "截止提醒与逾期督促（每天）",
        "task": "reporting.assessments.tasks.deadline_reminders_send",
        "crontab": {"minute": "0", "hour": "8"},
        "description": "按各填报期设置的提醒时点（默认截止前 30、7、1 天和逾期第 1 个工作日）提醒尚未提交自评的企业，"
        "并把逾期企业依次督促到负责的工会干部及其上级工会；每家企业每个时点只发一次（docs/reminders.md）。",
    },
    {
        "name": "督办单逾期督促（每天）",
        "task": "reporting.supervision.tasks.order_escalations_send",
        "crontab": {"minute": "10", "hour": "8"},
        "description": "把超过办结期限仍未办结的督办单依次督促到负责的工会干部及其上级工会"
        "（每满 ESCALATION_DELAY_WORKDAYS 个工作日升一级）；每张督办单每一级只发一次（docs/supervision.md）。",
    },
    {
        "name": "直通车问题逾期上报（每天）",
        "task": "enterprises.consultations.tasks.question_escalations_send",
        "crontab": {"minute": "20", "hour": "8"},
        "description": "超过答复期限（QUESTION_SLA_WORKDAYS 个工作日）仍未答复的直通车问题，通知负责的工会干部"
        "并上报上一级工会；每个问题每个答复期限只上报一次（docs/consultations.md）。",
    },
    {
        "name": "发送待发任务（每分钟）",
        "task": "reform_portal.outbox.tasks.outbox_flush",
        "every_minutes": 1,
        "description": "把消息队列不可用时记录下来的任务（提醒邮件、立即刷新等）发送给工作进程，并删除早已发送的记录。",
    },
    {
        "name": "清理中断的汇总运行（每 5 分钟）",
        "task": "reporting.tasks.rollup_runs_expire",
        "every_minutes": 5,
        "description": "把超过时限仍无进展的“进行中”或“排队中”汇总运行（工作进程已中止或任务未送达）标记为失败，"
        "下次刷新会重算。",
    },
    {
        "name": "清理后台任务（每 5 分钟）",
        "task": "reform_portal.jobs.tasks.jobs_housekeeping",
        "every_minutes": 5,
        "description": "把超过时限仍无进展的“进行中”导入、导出任务标记为失败，"
        "并删除超过保留期（JOB_KEEP_DAYS，默认 7 天）的任务及其文件。",
    },
]
