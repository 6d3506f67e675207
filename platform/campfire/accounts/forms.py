from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from campfire.accounts import ratelimit


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Optional; used for password resets by an admin.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Refuses to check the password once the username+IP has failed too often."""

    rate_limited = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = ratelimit.client_ip(self.request)
        if ratelimit.login_blocked(username=username, ip=ip):
            self.rate_limited = True
            raise forms.ValidationError(
                "Too many failed sign-in attempts. Wait a few minutes and try again.", code="rate_limited"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            ratelimit.login_failed(username=username, ip=ip)
            raise
        ratelimit.login_succeeded(username=username, ip=ip)
        return cleaned


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “laptop script”.")
