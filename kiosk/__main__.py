from kiosk.app.cli import main

raise SystemExit(main())
