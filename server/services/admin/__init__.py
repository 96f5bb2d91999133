"""Administration use cases (issue 8): one function per action, shared by the API, pages and CLI."""
