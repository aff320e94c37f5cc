"""Notification inbox and the live event stream (§9, §11)."""
from flask import Response, request, stream_with_context
from flask.views import MethodView
from flask_jwt_extended import get_jwt
from werkzeug.exceptions import MethodNotAllowed

from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.common.pagination import paginate
from fantasy.notifications import service, stream, tickets
from fantasy.notifications.schemas import (
    NotificationQuerySchema,
    NotificationSchema,
    ReadAllSchema,
    StreamQuerySchema,
    TicketSchema,
)

notifications_blp = Blueprint("notifications", __name__, url_prefix="/api/v1",
                              description="Notifications and live events")


@notifications_blp.route("/notifications")
class Notifications(MethodView):
    @notifications_blp.login_required()
    @notifications_blp.arguments(NotificationQuerySchema, location="query")
    @notifications_blp.response(200, NotificationSchema(many=True))
    @notifications_blp.paginate()
    @notifications_blp.doc(operationId="listNotifications")
    def get(self, args, pagination_parameters):
        """My notifications, newest first (?unread=true for unread only)"""
        return paginate(service.inbox(current_user, args["unread"]), pagination_parameters)


@notifications_blp.route("/notifications/<id:notification_id>/read")
class ReadNotification(MethodView):
    @notifications_blp.login_required()
    @notifications_blp.response(200, NotificationSchema)
    @notifications_blp.alt_response(404, description="No such notification of mine")
    @notifications_blp.doc(operationId="markNotificationRead")
    def post(self, notification_id):
        """Mark one of my notifications read"""
        return service.mark_read(current_user, notification_id)


@notifications_blp.route("/notifications/read-all")
class ReadAll(MethodView):
    @notifications_blp.login_required()
    @notifications_blp.response(200, ReadAllSchema)
    @notifications_blp.doc(operationId="markAllNotificationsRead")
    def post(self):
        """Mark all my notifications read"""
        return service.mark_all_read(current_user)


@notifications_blp.route("/events/ticket")
class StreamTicket(MethodView):
    @notifications_blp.login_required()
    @notifications_blp.response(201, TicketSchema)
    @notifications_blp.doc(operationId="createStreamTicket")
    def post(self):
        """A single-use ticket (valid one minute) for opening the event stream"""
        return tickets.issue(current_user.id, get_jwt())


@notifications_blp.route("/events")
class Events(MethodView):
    @notifications_blp.arguments(StreamQuerySchema, location="query")
    @notifications_blp.response(200, description="text/event-stream of notifications and picks")
    @notifications_blp.alt_response(401, description="Unknown, used or expired ticket, or its session has ended")
    @notifications_blp.alt_response(429, description="The user already has 3 open streams; retry after Retry-After "
                                                     "(the ticket stays usable)")
    @notifications_blp.alt_response(503, description="This process holds EVENT_STREAMS_PER_PROCESS streams; "
                                                     "retry after Retry-After")
    @notifications_blp.doc(operationId="streamEvents")
    def get(self, args):
        """Server-Sent Events: my notifications and every pick in my leagues' drafts"""
        if request.method == "HEAD":  # Flask answers HEAD with this view: it would spend the ticket for nothing
            raise MethodNotAllowed(valid_methods=["GET"])
        subscriber, release = stream.open_stream(args["ticket"])
        response = Response(stream_with_context(stream.frames(subscriber, release)), mimetype="text/event-stream")
        response.call_on_close(release)  # also when the stream never started (the server closes the response)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Accel-Buffering"] = "no"  # proxies must not buffer the stream
        return response
