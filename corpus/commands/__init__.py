"""The CLI's commands, one module each (click); `corpus.cli` assembles them. Commands parse
options and print; the work is done in the rest of `corpus`.

May import any of corpus and cleaning; nothing but `corpus.cli` imports a command module.
"""
