from todo_async.cli import main

raise SystemExit(main())
