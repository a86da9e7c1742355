from media_screen.cli import main

main()
