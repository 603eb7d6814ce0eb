"""Every model module whose tables the migration history creates (imported by the alembic
environment and by the schema test, so the two cannot disagree on what "every" means)."""

import emergency.delivery.models  # noqa: F401  (the delivery outbox and attempts)
import emergency.evaluation.models  # noqa: F401  (CEMS readings, station observations)
import emergency.region.models  # noqa: F401  (regional warnings)
import emergency.reports.models  # noqa: F401  (inspections)
import emergency.rotation.models  # noqa: F401  (rotation plans)
import emergency.scheduler.models  # noqa: F401  (the dispatch log)
import emergency.workflow.models  # noqa: F401  (users, warnings, plans, audit, receipts)
import enterprise_registry.models  # noqa: F401  (the list)
