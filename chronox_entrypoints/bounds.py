"""Range bounds as users type them: ``YYYY-MM-DD`` or an ISO-8601 instant.

The reading itself is the domain's (:func:`chronox_domain.bounds.parse_bound`), the one
every interface shares (the CLI, the API, the notebook facade, the job queue); the API's
routes import it from here.
"""

from __future__ import annotations

from chronox_domain.bounds import Bound, parse_bound

__all__ = ["Bound", "parse_bound"]
