from crawler.run import main

raise SystemExit(main())
