"""MCP support: talking to MCP servers with the official SDK (``probe``), finding the servers that
clients declare (``discovery``), the ``envcheck mcp`` commands (``cli``) and envcheck's own MCP
server (``server``). The ``mcp`` SDK is imported only inside the functions that talk MCP."""
