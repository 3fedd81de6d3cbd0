"""Deployment files for the project's own tests: a valid one, with the named parts changed."""

from __future__ import annotations

BASE_DEPLOYMENT = """\
[deployment]
name = "{name}"

[ece]
version = "{version}"
engineering_specials = {specials}
external_url = "{external_url}"
{admin_console}

[[servers]]
name = "ece-svc01.example.com"
role = "services"

[[servers]]
name = "ece-app01.example.com"
role = "application"

[azure_ad]
tenant = "example.onmicrosoft.com"
client_id = "11111111-2222-3333-4444-555555555555"
client_secret = {{ env = "ECE_O365_TEST_CLIENT_SECRET" }}
redirect_uri = "{redirect_uri}"

[[mailboxes]]
address = "support@example.com"
inbound = "imap"
refresh_token = {{ env = "ECE_O365_TEST_RT_SUPPORT" }}

[[mailboxes]]
address = "sales@example.com"
inbound = "pop3"
access = "{sales_access}"
{sales_token_account}
refresh_token = {{ file = "tokens/ece-mail.rt" }}
{extra}
"""


def deployment_text(
    *,
    name: str = "Contoso contact center (test)",
    version: str = "12.6(1)",
    specials: str = '["ES10"]',
    external_url: str = "https://ece.example.com",
    admin_console_url: str | None = "https://ece.example.com/system",
    redirect_uri: str = "https://ece.example.com/system/oauth/redirect",
    sales_access: str = "shared",
    sales_token_account: str | None = "ece-mail@example.com",
    extra: str = "",
) -> str:
    """A valid deployment file, with the named parts changed."""
    return BASE_DEPLOYMENT.format(
        name=name,
        version=version,
        specials=specials,
        external_url=external_url,
        admin_console=f'admin_console_url = "{admin_console_url}"' if admin_console_url else "",
        redirect_uri=redirect_uri,
        sales_access=sales_access,
        sales_token_account=f'token_account = "{sales_token_account}"' if sales_token_account else "",
        extra=extra,
    )
