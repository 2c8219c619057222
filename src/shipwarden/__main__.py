import sys

from shipwarden.cli import main

sys.exit(main())
