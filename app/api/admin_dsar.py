"""Support staff: list exports with filters, resend the email, invalidate a link, export on behalf."""
from flask import Blueprint

bp = Blueprint("api_admin_dsar", __name__, url_prefix="/api/admin/dsar")
