from django.db import models
from django.utils.translation import gettext_lazy as _


def unique_message(model, fields, values) -> str:
    """The portal's words for a row that would repeat another's unique field(s), in place of Django's "具有 统一社会
    信用代码 的 企业 已存在。": the field's name and the value, or the fields together, and what the row is."""
    opts = model._meta
    labels = [str(opts.get_field(name).verbose_name) for name in fields]
    if len(fields) == 1:
        return str(_("%(field)s“%(value)s”已被其他%(model)s使用，请核对后重试。")) % {
            "field": labels[0],
            "value": values[0],
            "model": opts.verbose_name,
        }
    return str(_("该%(fields)s的%(model)s已存在，不能重复添加。")) % {
        "fields": str(_("和")).join(labels) if len(labels) == 2 else "、".join(labels),
        "model": opts.verbose_name,
    }


class TimeStampedModel(models.Model):
    """Base for every model: timezone-aware `created_at` / `updated_at`, and the portal's own message when a row
    would repeat a unique field or a unique constraint's fields (model validation: forms, the admin, full_clean)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def unique_error_message(self, model_class, unique_check):
        error = super().unique_error_message(model_class, unique_check)
        if len(unique_check) == 1 or error.code == "unique_together":
            values = [getattr(self, model_class._meta.get_field(name).attname, "") for name in unique_check]
            if len(unique_check) == 1:
                field = model_class._meta.get_field(unique_check[0])
                values = [getattr(self, field.name) if field.is_relation else values[0]]
            error.message = unique_message(model_class, unique_check, values)
            error.params = {}
        return error
