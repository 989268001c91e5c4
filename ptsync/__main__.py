from ptsync.cli import main

raise SystemExit(main())
