"""The dosing-safety record of a session (vitals, sedation and dissociation, adverse events, discharge)
and the client's consent to treatment, with the practice's consent text kept in versions."""
