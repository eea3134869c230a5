"""Create a staff account: python -m web.accounts LOGIN "Full name" ANTENNE|--admin

The password is read from CLEA_NEW_PASSWORD or asked at the prompt: 12 characters at least,
neither containing the login nor a common password nor the person's name.
"""

import getpass
import sys

from dossiers.repository import Repository
from referentiel import load_referentiel
from settings import current
from web.security import hash_password, password_problem


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__)
        return 2
    login, name, antenne = argv
    is_admin = antenne == "--admin"
    antennes = {a.id for a in load_referentiel().antennes}
    if not is_admin and antenne not in antennes:
        print(f"Unknown antenne {antenne!r}: one of {', '.join(sorted(antennes))}, or --admin")
        return 2
    password = current().secret("new_password") or getpass.getpass("Password: ")
    problem = password_problem(password, login, name)
    if problem:
        print(problem)
        return 2
    repository = Repository.from_settings()
    repository.migrate()
    repository.sync_antennes(load_referentiel())
    if repository.staff_user(login=login):
        print(f"An account {login!r} already exists.")
        return 1
    repository.create_staff_user(
        login, name, hash_password(password), None if is_admin else antenne, is_admin
    )
    print(f"Created {'admin' if is_admin else antenne} account {login!r}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
