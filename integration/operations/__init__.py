"""Operations: database grants for the app's role, encrypted backups proven by restore, and the
production configuration check. Commands are registered in commands.py."""
