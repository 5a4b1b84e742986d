"""Reports: the daily huddle, the handover summary and the sitrep return.

Headless (no Qt): each report is a frozen data object computed from a Session in a
constant number of SQL statements, then a builder turns it into PDF or CSV bytes.
"""
