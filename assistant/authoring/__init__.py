"""What admins use to change flows safely: the editor, flow tests, the simulator's engine,
call length, and scripted conversations through the core.

May import: every package of the core."""
