"""Practice library, integration plans, the client PDF, delivery, share links and calendars."""
