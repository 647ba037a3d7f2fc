from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from reform_portal.access import EnterprisePolicy, RegionPolicy

from .choices import RegionLevel
from .models import HEADCOUNT_FIELDS, Enterprise, Region
from .services import REGISTER_FIELDS


class EnterpriseForm(forms.ModelForm):
    """The register entry. Field checks (credit code, headcounts) come from `Enterprise.clean()`;
    saving goes through `services.enterprise_create` / `enterprise_update`."""

    class Meta:
        model = Enterprise
        fields = [*REGISTER_FIELDS, "credit_code_exception"]
        widgets = {
            "union_founded_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "credit_code_exception": forms.Textarea(attrs={"rows": 2}),
        }

    # The version the editor read (editing only): a save based on an older one is refused, not applied.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user, keep_mine: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["version"]
        # Only prefectures the user works in; only administrators may record a check-character exception.
        self.fields["region"].queryset = RegionPolicy.visible(
            user, Region.objects.filter(level=RegionLevel.PREFECTURE).select_related("parent")
        ).order_by("code")
        self.fields["region"].label_from_instance = lambda r: f"{r.parent.name if r.parent else ''} {r.name}"
        if not EnterprisePolicy.can(user, EnterprisePolicy.EXCEPT_CREDIT_CODE):
            del self.fields["credit_code_exception"]
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                _("基本信息"),
                Div(Div("name", css_class="col-md-6"), Div("credit_code", css_class="col-md-6"), css_class="row"),
                *(["credit_code_exception"] if "credit_code_exception" in self.fields else []),
                Div(
                    Div("region", css_class="col-md-4"),
                    Div("industry", css_class="col-md-4"),
                    Div("size_class", css_class="col-md-4"),
                    css_class="row",
                ),
                Div(
                    Div("ownership", css_class="col-md-4"),
                    Div("supervision_level", css_class="col-md-4"),
                    Div("supervising_body", css_class="col-md-4"),
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


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"), help_text=_("请使用下载的模板；按统一社会信用代码匹配已有企业")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("import", _("导入")))
