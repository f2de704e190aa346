"""Models, one module per aggregate; importing this package registers every table."""
from app.models.audit import AuditLog
from app.models.dsar import DsarExport
from app.models.erasure import ErasureRequest
from app.models.incident_drafts import IncidentDraft
from app.models.maintenance import MaintenanceStatus, MaintenanceUpdate, ScheduledMaintenance
from app.models.platform import Invoice, RunLog, Subscription, Workflow, WorkflowRun
from app.models.sla import SlaCreditRequest
from app.models.sla_thread import SlaClaimMessage, SlaDispute
from app.models.status import Incident, IncidentTemplate, IncidentUpdate, StatusRollup, StatusSnapshot
from app.models.subscribers import DeliveryStatus, StatusEvent, StatusNotification, StatusSubscriber
from app.models.users import User

__all__ = [
    "AuditLog", "DeliveryStatus", "DsarExport", "ErasureRequest", "Incident", "IncidentDraft",
    "IncidentTemplate", "IncidentUpdate", "Invoice", "MaintenanceStatus", "MaintenanceUpdate", "RunLog",
    "ScheduledMaintenance", "SlaClaimMessage", "SlaCreditRequest", "SlaDispute", "StatusEvent",
    "StatusNotification", "StatusRollup", "StatusSnapshot", "StatusSubscriber", "Subscription", "User",
    "Workflow", "WorkflowRun",
]
