"""GOV.UK Notify: e-mail, text message and letter notifications. See README.md."""

from hub.adapters.govuk_notify.adapter import NotifyAdapter

__all__ = ["NotifyAdapter"]
