import os
import sys

# state.py sits beside the tests.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
