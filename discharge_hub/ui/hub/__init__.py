"""The hub's and social care's screens: referral queue, placements queue, providers
and vacancies, and the dialogs and actions they share with the patient workspace."""
