"""Input channels of the assistant, built on Rasa's connectors."""
