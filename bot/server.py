"""Rasa's command line with our changes to Rasa's action calls installed first
(bot/action_validation.py): every Rasa server of ours starts as
`python -m bot.server run …` (deploy/embedded.py, deploy/scaled.py, harness/servers.py).
"""

from rasa.__main__ import main

from bot import action_validation

if __name__ == "__main__":
    action_validation.install()
    main()
