from media_screen.cli.main import main

main()
