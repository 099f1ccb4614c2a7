"""Black and red lists: proposals, named decisions, terms, removal and expiry.

The catalogue (``lists.yaml``) says what each list is and on what legal basis; this
package runs the entries: :mod:`.proposals` finds records that list a subject (direct
listing decisions) or meet a list's criteria (proposals), :mod:`.decisions` records
each named human decision (approve, reject, extend, remove), :mod:`.expiry` is the
daily job that ends entries at the end of their term, and :mod:`.queries` answers
"who was on the list on a date, as known at a time".
"""

from xinyong.lists.model import Entry, EntryStatus, HistoryEvent

__all__ = ["Entry", "EntryStatus", "HistoryEvent"]
