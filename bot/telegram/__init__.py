"""The Telegram channel: python-telegram-bot's Application driving the assessment service."""
