from outreach.main import main

main()
