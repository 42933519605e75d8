"""Fetching histories from SageMaker (boto3 optional).

:mod:`~smstatus.fetch.collector` lists and describes jobs (:func:`~smstatus.collect`);
:mod:`~smstatus.fetch.cache` keeps the responses in a crash-safe JSON Lines file.
"""
