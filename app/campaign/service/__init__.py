"""Campaign logic shared by the views and the CLI, one module per part (plain arguments, the
caller commits)."""
