# Root conftest: keeps pytest's rootdir (and sys.path) at the project folder.
