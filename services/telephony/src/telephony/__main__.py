from telephony.main import main

main()
