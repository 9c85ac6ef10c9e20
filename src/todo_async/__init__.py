"""todo-async: a To-Do List Manager with an async JSON API."""
