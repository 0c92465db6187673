"""The command side: the platform's one event-sourced Application and the use cases over it."""
