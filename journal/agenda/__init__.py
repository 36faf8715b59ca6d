"""The agenda for the appraisal conversation ("Til samtalen")."""
