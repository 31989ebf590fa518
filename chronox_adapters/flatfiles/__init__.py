"""The vendor's flat files: one gzip CSV per session with every ticker's minute (or
day) aggregates, on its S3-compatible endpoint, read with boto3 (``client`` says why).

The same file set as every vendor family: ``config`` (frozen settings), ``parsing``
(the CSV to columns), ``client`` (the S3 client, its retries and what its errors mean)
and ``source`` (the domain's :class:`~chronox_domain.dayfiles.DayFiles` port); with
``body`` (a file's body downloaded and gunzipped) and ``worker`` (the parser process).
"""

from chronox_adapters.flatfiles.config import FlatFilesConfig
from chronox_adapters.flatfiles.source import S3DayFiles

__all__ = ["FlatFilesConfig", "S3DayFiles"]
