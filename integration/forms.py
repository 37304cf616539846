"""The base every form in the app derives from."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """A CSRF-protected form whose text fields arrive without stray surrounding spaces."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Text arrives trimmed; passwords keep their exact characters.
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                options["filters"] = (*options.get("filters", ()), _strip)
            return unbound_field.bind(form=form, **options)


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (drawn by the checkbox_group macro inside a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
