from snapshot_guard.cli import main

raise SystemExit(main())
