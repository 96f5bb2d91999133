"""The queue engine: pure rules, no Flask, SQLite, escpos or Socket.IO."""
