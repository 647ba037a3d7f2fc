from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from reform_portal.access import EnterprisePolicy
from reform_portal.uploads import CONTENT_TYPES, XLSX, check_upload

from .choices import RegionLevel
from .credit_code import LENGTH as CREDIT_CODE_LENGTH
from .credit_code import credit_code_problems, normalise_credit_code
from .credit_code_uniqueness import credit_code_taken
from .models import HEADCOUNT_FIELDS, Enterprise, Region
from .selectors import enterprise_by_credit_code, location_choices, resolve_location
from .services import REGISTER_FIELDS


class LocationField(forms.ModelChoiceField):
    """Where an enterprise is: a county, in a plain select grouped by prefecture (one <optgroup> each). A prefecture
    with no county-level division (杨凌示范区) is offered as itself; so is an enterprise's prefecture when it was
    registered before counties were kept (`legacy`), so that it may stay as it is."""

    def __init__(self, *, regions: list[Region], legacy: Region | None = None, **kwargs):
        if legacy is not None and all(r.pk != legacy.pk for r in regions):
            legacy.prefecture = legacy
            regions = sorted([*regions, legacy], key=lambda r: (r.prefecture.code, r.level != RegionLevel.PREFECTURE))
        super().__init__(queryset=Region.objects.filter(pk__in=[r.pk for r in regions]), **kwargs)
        groups: dict[int, tuple[str, list]] = {}
        for region in regions:
            prefecture = region.prefecture
            if region.level == RegionLevel.COUNTY:
                label = region.name
            elif legacy is not None and region.pk == legacy.pk:
                label = _("%(name)s（县（市、区）未登记）") % {"name": region.name}
            else:
                label = _("%(name)s（不设县级区划）") % {"name": region.name}
            group_label = f"{prefecture.parent.name} {prefecture.name}" if prefecture.parent else prefecture.name
            groups.setdefault(prefecture.pk, (group_label, []))[1].append((region.pk, label))
        self.widget.choices = [("", self.empty_label), *groups.values()]


class CreditCodeField(forms.CharField):
    """A credit code as typed or pasted: spaces (inside too), full-width characters and lower case are cleaned first
    (`normalise_credit_code`, as the API and the import do), so a pasted "9153 0100 …" counts 18 characters; a wrong
    length is then told in the portal's words (`credit_code_problems`), not Django's max-length message."""

    # Room for a code pasted with spaces: the browser must not cut it before it is cleaned.
    PASTE_ROOM = 40

    def to_python(self, value):
        return normalise_credit_code(super().to_python(value))

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": str(self.PASTE_ROOM), "autocomplete": "off"}

    def validate(self, value):
        super().validate(value)
        if value and len(value) != CREDIT_CODE_LENGTH:
            raise ValidationError(credit_code_problems(value))


def credit_code_not_taken(code, *, user, instance) -> str:
    """`code`, cleaned, when no other enterprise holds it; else the portal's refusal (not Django's "具有…已存在"),
    naming the holder, with a link to it, only when `user` may see it (credit_code_uniqueness)."""
    code = normalise_credit_code(code)
    taken = credit_code_taken(user=user, code=code, exclude_pk=instance.pk)
    if taken is not None:
        message, seen = taken
        if seen is not None:
            url = reverse("enterprises:detail", args=[seen.pk])
            message = format_html('{} <a href="{}">{}</a>', message, url, _("查看该企业"))
        raise ValidationError(message, code="unique")
    return code


class FormChecksFirst:
    """ModelForm mixin: the model's checks judge the instance, which never received a field the form already refused
    (it holds an empty or the old credit code); their message about such a field would contradict the form's ("应为
    18 位，当前为 0 位" under "已由…登记"), so it is dropped."""

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            refused = set(self._errors or ())
            errors.error_dict = {f: e for f, e in errors.error_dict.items() if f not in refused}
            if not errors.error_dict:
                return
        super()._update_errors(errors)


class EnterpriseForm(FormChecksFirst, forms.ModelForm):
    """The register entry. Field checks (credit code, headcounts, supervision, group) come from
    `Enterprise.clean()`; saving goes through `services.enterprise_create` / `enterprise_update`.

    The location is one choice, a county (`county`); the prefecture (`region`) follows from it. The parent company is
    given by its credit code, as in the import and the API."""

    class Meta:
        model = Enterprise
        fields = [*REGISTER_FIELDS, "credit_code_exception"]
        widgets = {
            "union_founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "credit_code_exception": forms.Textarea(attrs={"rows": 2}),
        }

    parent = forms.CharField(
        label=_("上级集团（母公司）统一社会信用代码"),
        required=False,
        max_length=40,
        help_text=_("集团所属子公司填写母公司的统一社会信用代码（母公司须已登记）；不属于集团的留空。"),
    )
    credit_code = CreditCodeField(
        label=Enterprise._meta.get_field("credit_code").verbose_name,
        help_text=Enterprise._meta.get_field("credit_code").help_text,
    )
    # The version the editor read (editing only): a save based on an older one is refused, not applied.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, keep_mine: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
        # The prefecture follows from the county: not a field of its own.
        del self.fields["region"]
        regions = location_choices(user=user)
        # An enterprise without a county: in a prefecture without counties, or registered before counties were kept.
        at = self.instance.region if self.instance.pk and not self.instance.county_id else None
        legacy = at if at is not None and all(r.pk != at.pk for r in regions) else None
        self.fields["county"] = LocationField(
            regions=regions,
            legacy=legacy,
            label=_("所在县（市、区）"),
            required=False,
            help_text=_("按州（市）分组；所在州（市）由县（市、区）确定。"),
        )
        if not self.initial.get("county") and at is not None:
            self.initial["county"] = at.pk
        self.initial["parent"] = self._parent_code(self.initial.get("parent"))
        if self.instance.pk and self.instance.parent_id:
            self.fields["parent"].help_text = _("现为：%(name)s。") % {"name": self.instance.parent.name} + str(
                self.fields["parent"].help_text
            )
        self.fields["supervisor"].help_text = _(
            "国有企业必填：由国资委监管的选“国资委”，由财政部门或行业主管部门监管的选“其他部门”；非国有企业不填。"
        )
        if not EnterprisePolicy.can(user, EnterprisePolicy.EXCEPT_CREDIT_CODE):
            del self.fields["credit_code_exception"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("基本信息"),
                Div(Div("name", css_class="col-md-6"), Div("credit_code", css_class="col-md-6"), css_class="row"),
                *(["credit_code_exception"] if "credit_code_exception" in self.fields else []),
                Div(Div("county", css_class="col-md-6"), Div("parent", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("industry", css_class="col-md-4"),
                    Div("size_class", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("ownership", css_class="col-md-3"),
                    Div("supervision_level", css_class="col-md-3"),
                    Div("supervisor", css_class="col-md-3"),
                    Div("supervising_body", css_class="col-md-3"),
                    css_class="row",
                ),
                Div(
                    Div(Field("above_scale"), css_class="col-md-4"),
                    Div(Field("leading"), css_class="col-md-4"),
                    Div(Field("has_board"), css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                _("人员"),
                Div(
                    *(Div(f, css_class="col-md-4") for f in HEADCOUNT_FIELDS),
                    css_class="row",
                ),
                Div(
                    Div(Field("union_founded"), css_class="col-md-4"),
                    Div("union_founded_on", css_class="col-md-4"),
                    Div(Field("is_pilot"), css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            *(["version"] if "version" in self.fields else []),
            Submit("save", _("保留我的修改") if keep_mine else _("保存")),
        )

    @staticmethod
    def _parent_code(value) -> str:
        """The parent as the form shows it: its credit code (the initial value may be the parent, its id or a code)."""
        if isinstance(value, Enterprise):
            return value.credit_code
        if isinstance(value, int):
            return Enterprise.objects.filter(pk=value).values_list("credit_code", flat=True).first() or ""
        return value or ""

    def clean_credit_code(self):
        return credit_code_not_taken(self.cleaned_data.get("credit_code"), user=self.user, instance=self.instance)

    def clean_parent(self):
        code = normalise_credit_code(self.cleaned_data.get("parent"))
        if not code:
            return None
        parent = enterprise_by_credit_code(user=self.user, code=code)
        if parent is None:
            raise ValidationError(
                _("没有找到统一社会信用代码为 %(code)s 的企业（或它不在您可查看的范围内）。请先登记母公司。"),
                params={"code": code},
            )
        return parent

    def clean(self):
        data = super().clean()
        chosen = data.get("county")
        if "county" in self.errors:
            return data
        county = chosen if chosen is not None and chosen.level == RegionLevel.COUNTY else None
        region = chosen if chosen is not None and county is None else None
        try:
            data["region"] = resolve_location(
                county=county, region=region, current=self.instance if self.instance.pk else None
            )
        except ValidationError as exc:
            self.add_error("county", exc)
            return data
        data["county"] = county
        # What decides the enterprise's scope changes only within the user's charge (reform_portal.access).
        proposed = {f: data[f] for f in EnterprisePolicy.SCOPE_FIELDS if f in data}
        instance = self.instance if self.instance.pk else None
        for name, errors in EnterprisePolicy.scope_change_problems(self.user, instance, proposed).items():
            name = "county" if name == "region" else name  # the form picks the prefecture through the county
            for error in errors:
                self.add_error(name, error)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"), help_text=_("请使用下载的模板；按统一社会信用代码匹配已有企业")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("import", _("导入")))

    def clean_file(self):
        """The cheap checks, before the job is queued: size, and that it is an .xlsx by content (the worker reads
        the rows)."""
        upload = self.cleaned_data["file"]
        checked = check_upload(upload)
        if checked.content_type != CONTENT_TYPES[XLSX]:
            raise ValidationError(_("请上传 Excel（.xlsx）文件。"))
        return upload


class ActivityFilterForm(forms.Form):
    """The activity feed's filters (enterprises.activity): kind, measure and a date range; all optional."""

    kind = forms.ChoiceField(label=_("类别"), required=False)
    measure = forms.ModelChoiceField(label=_("措施"), queryset=None, required=False, empty_label=_("全部措施"))
    date_from = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, enterprise, **kwargs):
        from measures.models import Measure

        from .activity import KINDS

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("全部类别")), *KINDS.items()]
        # The measures the enterprise has (or had) a record of, code first, as everywhere a measure is named.
        measures = Measure.objects.filter(progress__enterprise=enterprise).select_related("document")
        self.fields["measure"].queryset = measures.order_by("document__issued_on", "position")
        self.fields["measure"].label_from_instance = lambda m: m.label

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data

    def filters(self):
        from .activity import ActivityFilters

        if not self.is_valid():
            return ActivityFilters()
        data = self.cleaned_data
        measure = data.get("measure")
        return ActivityFilters(
            kind=data.get("kind") or "",
            measure_id=measure.pk if measure else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
