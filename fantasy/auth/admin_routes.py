"""Admin endpoints of the accounts: list users, deactivate and reactivate them (admins only)."""
from flask.views import MethodView

from fantasy.auth import service as accounts
from fantasy.auth.schemas import UserSchema
from fantasy.auth.tokens import current_user
from fantasy.common.api import Blueprint
from fantasy.common.pagination import paginate

users_admin_blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Admin operations")


@users_admin_blp.route("/users")
class Users(MethodView):
    @users_admin_blp.login_required(admin=True)
    @users_admin_blp.response(200, UserSchema(many=True))
    @users_admin_blp.paginate()
    @users_admin_blp.doc(operationId="listUsers")
    def get(self, pagination_parameters):
        """List users"""
        return paginate(accounts.list_users(), pagination_parameters)


@users_admin_blp.route("/users/<id:user_id>/deactivate")
class DeactivateUser(MethodView):
    @users_admin_blp.login_required(admin=True)
    @users_admin_blp.response(200, UserSchema)
    @users_admin_blp.alt_response(404, description="No such user")
    @users_admin_blp.alt_response(409, description="Admins cannot deactivate their own account")
    @users_admin_blp.doc(operationId="deactivateUser")
    def post(self, user_id):
        """Deactivate a user: their tokens stop working on the next request"""
        return accounts.set_active(current_user, user_id, False)


@users_admin_blp.route("/users/<id:user_id>/activate")
class ActivateUser(MethodView):
    @users_admin_blp.login_required(admin=True)
    @users_admin_blp.response(200, UserSchema)
    @users_admin_blp.alt_response(404, description="No such user")
    @users_admin_blp.doc(operationId="activateUser")
    def post(self, user_id):
        """Reactivate a user"""
        return accounts.set_active(current_user, user_id, True)
