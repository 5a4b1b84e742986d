from discharge_hub.cli import main

raise SystemExit(main())
