from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "campfire.accounts"
    label = "accounts"
