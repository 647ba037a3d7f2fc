from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from .models import Measure, PolicyDocument
from .selectors import document_outline, documents_with_counts


@login_required
def document_list(request):
    return render(request, "measures/document_list.html", {"documents": documents_with_counts()})


@login_required
def document_detail(request, code):
    document = get_object_or_404(PolicyDocument.objects.select_related("province"), code=code)
    return render(
        request, "measures/document_detail.html", {"document": document, "outline": document_outline(document=document)}
    )


@login_required
def measure_detail(request, code):
    measure = get_object_or_404(
        Measure.objects.select_related("document", "section", "section__parent").prefetch_related("indicators"),
        code=code,
    )
    return render(request, "measures/measure_detail.html", {"measure": measure})
