"""How things are shown to a person, one module each (issue 10): UK dates and times
(:mod:`.dates`), labels for codes and for records and fields (:mod:`.labels`), people's
names (:mod:`.people`). Qt-free: the desktop, the reports and the command line share them.
"""
