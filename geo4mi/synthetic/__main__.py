"""``python -m geo4mi.synthetic``: regenerate the SYNTHETIC sample ``data/sample_kobo.csv``."""

from geo4mi.synthetic.export import main

if __name__ == "__main__":
    raise SystemExit(main())
