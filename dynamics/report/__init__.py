"""The report room: experiment results turned into claims, figures and report files.

No gradient descent and no maths happen here: experiments (:mod:`dynamics.experiments`)
produce frozen results, and this room renders and writes them through :mod:`dynamics.io`.
"""
