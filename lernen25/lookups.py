"""``__in`` on integer columns that leaves out values the column cannot hold.

Django already answers ``exact``, ``gt``, ``lt`` … with an integer beyond the column's range without
asking the database (``IntegerFieldOverflow``), but not ``in``: a huge primary key in a
multiple-choice field (``pk__in``) reached SQLite as "Python int too large to convert to SQLite
INTEGER", an HTTP 500. No row can have such a value, so it is dropped; an empty list matches nothing.
Registered for every ``IntegerField`` (auto and big-auto primary keys included) on import, from
``Lernen25Config.ready``.
"""

from __future__ import annotations

from django.db.models import ForeignObject, IntegerField
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


def _within_range(values, field, connection) -> list:
    try:
        low, high = connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:  # not an integer column
        return list(values)
    return [
        value
        for value in values
        if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
    ]


@IntegerField.register_lookup
class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            self.rhs = _within_range(self.rhs, self.lhs.output_field, connection)
        return super().process_rhs(compiler, connection)


@ForeignObject.register_lookup
class RelatedIntegerIn(RelatedIn):
    """The same for ``<foreign key>__in`` (``topic__in``, ``topic_id__in``) to an integer key."""

    def process_rhs(self, compiler, connection):
        target = getattr(self.lhs.output_field, "target_field", None)
        if self.rhs_is_direct_value() and target is not None and not isinstance(self.lhs, tuple):
            self.rhs = _within_range(self.rhs, target, connection)
        return super().process_rhs(compiler, connection)
