from bench.cli import install_signal_handlers, main

install_signal_handlers()
raise SystemExit(main())
