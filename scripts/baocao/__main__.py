from baocao.cli import main

main()
