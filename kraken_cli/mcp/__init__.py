"""``krx mcp``: krx's services as Model Context Protocol tools (an adapter like the CLI)."""
