from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from campfire.accounts import selectors, services
from campfire.accounts.forms import RateLimitedAuthenticationForm, SignupForm, TokenCreateForm


def signup(request):
    if request.user.is_authenticated:
        return redirect("notebooks:list")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create(
            username=form.cleaned_data["username"],
            email=form.cleaned_data.get("email", ""),
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Campfire, {user.username}.")
        return redirect("notebooks:list")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if form.rate_limited else 400
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def tokens(request):
    """List tokens and create one; a new token is shown once, on the response to its POST."""
    form = TokenCreateForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = services.token_create(user=request.user, name=form.cleaned_data["name"])
                created = {"token": token, "raw": raw}
                form = TokenCreateForm()
            except ValidationError as exc:
                form.add_error("name", exc)
        if form.errors:
            status = 400
    context = {"form": form, "tokens": selectors.token_list(user=request.user), "created": created}
    response = render(request, "accounts/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may carry a raw token
    return response


@require_POST
@login_required
def token_revoke(request, token_id):
    if services.token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked.")
    else:
        messages.error(request, "That token does not exist.")
    return redirect("accounts:tokens")
