from django import forms
from django.conf import settings

from campfire.notebooks.cells import TITLE_MAX
from campfire.notebooks.models import Visibility


class NotebookCreateForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, required=False)


class NotebookSettingsForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    visibility = forms.ChoiceField(choices=Visibility.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)


class NotebookImportForm(forms.Form):
    file = forms.FileField(
        help_text=f"A Jupyter notebook (.ipynb, nbformat 3 or 4), at most "
        f"{settings.CAMPFIRE_IMPORT_MAX_BYTES // (1024 * 1024)} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".ipynb,application/x-ipynb+json,application/json"}),
    )
    title = forms.CharField(max_length=TITLE_MAX, required=False, help_text="Defaults to the file name.")
