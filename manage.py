#!/usr/bin/env python
from sitroom.cli import main

if __name__ == "__main__":
    main()
