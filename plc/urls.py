from django.urls import path

from lernen25 import converters  # noqa: F401  (registers <id:>: at most 18 digits, else 404)
from plc import admin_views
from plc.views import curation, discussion, material, meetings, membership

app_name = "plc"

# PLG pages themselves are Wagtail pages under /plg/; these are their actions.
urlpatterns = [
    path("plg-raum/neu/", curation.create_plg_view, name="create"),
    path("plg-raum/<id:pk>/beitreten/", membership.join_view, name="join"),
    path("plg-raum/<id:pk>/anfragen/", membership.request_view, name="request"),
    path("plg-raum/<id:pk>/anfragen/<id:request_id>/zurueckziehen/", membership.withdraw_view, name="withdraw"),
    path("plg-raum/<id:pk>/anfragen/<id:request_id>/entscheiden/", membership.decide_view, name="decide"),
    path("plg-raum/<id:pk>/einladen/", membership.invite_view, name="invite"),
    path(
        "plg-raum/<id:pk>/einladungen/<id:invitation_id>/zuruecknehmen/",
        membership.revoke_invitation_view,
        name="revoke_invitation",
    ),
    path("plg-raum/<id:pk>/verlassen/", membership.leave_view, name="leave"),
    path("plg-raum/<id:pk>/mitglieder/<id:user_id>/entfernen/", membership.remove_member_view, name="remove_member"),
    path("plg-raum/<id:pk>/mitglieder/<id:user_id>/leitung/", membership.promote_view, name="promote"),
    path("plg-raum/<id:pk>/leitung/", membership.assign_lead_view, name="assign_lead"),
    path("plg-raum/<id:pk>/leitung-abgeben/", membership.step_down_view, name="step_down"),
    path("plg-raum/<id:pk>/hervorheben/", curation.feature_view, name="feature"),
    path("plg-raum/<id:pk>/status/", curation.status_view, name="status"),
    path("plg-raum/<id:pk>/sichtbarkeit/", curation.visibility_view, name="visibility"),
    path("plg-raum/<id:pk>/dateien/", material.upload_view, name="upload"),
    path("plg-raum/<id:pk>/dateien/<id:file_id>/loeschen/", material.delete_file_view, name="delete_file"),
    path("plg-raum/<id:pk>/links/", material.add_link_view, name="add_link"),
    path("plg-raum/<id:pk>/links/<id:link_id>/loeschen/", material.delete_link_view, name="delete_link"),
    path("plg-raum/<id:pk>/termine/", meetings.add_meeting_view, name="add_meeting"),
    path("plg-raum/<id:pk>/termine/<id:meeting_id>/absagen/", meetings.cancel_meeting_view, name="cancel_meeting"),
    path("plg-raum/<id:pk>/termine.ics", meetings.calendar_view, name="calendar"),
    path("plg-raum/<id:pk>/termine/<id:meeting_id>.ics", meetings.calendar_view, name="meeting_calendar"),
    path("plg-raum/<id:pk>/ergebnisse/", meetings.publish_result_view, name="publish_result"),
    path("plg-raum/<id:pk>/protokoll/", meetings.change_log_view, name="change_log"),
    path("plg-raum/<id:pk>/themen/neu/", discussion.create_topic_view, name="create_topic"),
    path("plg-raum/<id:pk>/themen/<id:topic_id>/", discussion.topic_view, name="topic"),
    path("plg-raum/<id:pk>/themen/<id:topic_id>/einstellungen/", discussion.topic_flags_view, name="topic_flags"),
    path(
        "plg-raum/<id:pk>/beitraege/<id:message_id>/bearbeiten/",
        discussion.edit_message_view,
        name="edit_message",
    ),
    path(
        "plg-raum/<id:pk>/beitraege/<id:message_id>/loeschen/",
        discussion.delete_message_view,
        name="delete_message",
    ),
    path(
        "plg-raum/<id:pk>/beitraege/<id:message_id>/ausblenden/",
        discussion.hide_message_view,
        name="hide_message",
    ),
    path("einladungen/<id:invitation_id>/<str:answer>/", membership.answer_invitation_view, name="answer_invitation"),
    path("plg-vorschlaege/", curation.proposals_view, name="proposals"),
    path("plg-vorschlaege/<id:proposal_id>/entscheiden/", curation.decide_proposal_view, name="decide_proposal"),
    path("plg-ergebnisse/", meetings.results_view, name="results"),
    # Shadow routes: Wagtail admin views no hook reaches, at Wagtail's paths (matched before
    # ``admin/``), narrowed to what the person may know of (``plc.admin_views``). Wagtail's URL
    # names keep their paths, so ``reverse()`` leads here.
    path("admin/choose-page/chosen-multiple/", admin_views.chosen_multiple_view, name="admin_chosen_multiple"),
    path("admin/reports/site-history/", admin_views.site_history_view, name="admin_site_history"),
    path(
        "admin/reports/site-history/results/",
        admin_views.site_history_results_view,
        name="admin_site_history_results",
    ),
    path("admin/reports/page-types-usage/", admin_views.page_types_usage_view, name="admin_page_types_usage"),
    path(
        "admin/reports/page-types-usage/results/",
        admin_views.page_types_usage_results_view,
        name="admin_page_types_usage_results",
    ),
]
