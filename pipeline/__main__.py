"""`python -m pipeline` runs the kassasync command line."""
from pipeline.cli.main import main

main()
