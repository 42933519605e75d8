"""Synthetic histories: :mod:`~smstatus.simulation.simulator` makes realistic
``DescribeTrainingJob`` responses for a fleet of jobs (:func:`~smstatus.simulate`);
:mod:`~smstatus.simulation.lifecycle` declares the lifecycle it walks (each phase, the ways out
of it and their chances, as data); :mod:`~smstatus.simulation.sample` is the bundled sample made
with it.
"""
