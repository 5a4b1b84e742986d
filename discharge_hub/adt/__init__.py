"""The patient administration feed: HL7 v2 ADT messages from the PAS (issue 14).

:mod:`.messages` reads files of messages, :mod:`.wards` maps PAS locations to sites
and wards, :mod:`.apply` applies one message through the services, :mod:`.feed`
imports files message by message, the common messages by :mod:`.fast` (checks against
rows read once a batch) and :mod:`.rows` (their set-based write).
"""

from discharge_hub.adt.feed import (
    FeedResult,
    Item,
    RawFile,
    Rejected,
    apply_items,
    import_files,
    parse_stream,
    read_files,
    split_files,
)

__all__ = [
    "FeedResult", "Item", "RawFile", "Rejected", "apply_items", "import_files", "parse_stream",
    "read_files", "split_files",
]  # fmt: skip
