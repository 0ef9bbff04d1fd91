"""Path converters of the whole site: ids that fit the database, school numbers.

Django's ``int`` converter takes any number of digits; an id beyond the database's 64-bit integers
then failed in the database (HTTP 500 with a traceback). ``id`` takes at most 18 digits: anything
longer is no URL of ours (404). Registered on import; ``lernen25/urls.py`` imports this module
before any app's URLconf.
"""

from django.urls import register_converter


class SchoolNumberConverter:
    """A Schulnummer: exactly six digits (anything else is no URL of ours: 404)."""

    regex = r"[0-9]{6}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


class IdConverter:
    """A primary key: at most 18 digits, so that no id overflows the database's 64-bit integer (404)."""

    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(SchoolNumberConverter, "schulnummer")
register_converter(IdConverter, "id")
