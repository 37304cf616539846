"""The client's safety plan: six steps and reasons for living, written with the client, every save kept."""
