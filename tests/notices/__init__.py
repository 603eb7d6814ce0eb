"""The documents of a warning: notices, announcements, the response package."""
