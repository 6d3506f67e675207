import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from campfire.accounts import services


class Command(BaseCommand):
    help = (
        "Create the first superuser, with a random one-time password printed once, unless a "
        "superuser already exists. Used by `make run`; change the password after signing in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        if User.objects.filter(username=username).exists():
            self.stderr.write(f"user {username!r} exists but is not a superuser; not touching it")
            return
        password = secrets.token_urlsafe(16)
        user = services.user_create(username=username, password=password)
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        self.stdout.write(
            f"Created the admin account: username {username!r}, one-time password {password!r}\n"
            "It is shown only now. Sign in and change it at /accounts/password/."
        )
