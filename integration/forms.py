"""The base every form in the app derives from."""
from flask_wtf import FlaskForm


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """A CSRF-protected form whose text fields arrive without stray surrounding spaces."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Passwords keep their exact characters; everything else is trimmed.
            if unbound_field.field_class.__name__ != "PasswordField":
                options["filters"] = (*options.get("filters", ()), _strip)
            return unbound_field.bind(form=form, **options)
