from django.urls import path

from plc.views import curation, discussion, material, meetings, membership

app_name = "plc"

# PLG pages themselves are Wagtail pages under /plg/; these are their actions.
urlpatterns = [
    path("plg-raum/neu/", curation.create_plg_view, name="create"),
    path("plg-raum/<int:pk>/beitreten/", membership.join_view, name="join"),
    path("plg-raum/<int:pk>/anfragen/", membership.request_view, name="request"),
    path("plg-raum/<int:pk>/anfragen/<int:request_id>/zurueckziehen/", membership.withdraw_view, name="withdraw"),
    path("plg-raum/<int:pk>/anfragen/<int:request_id>/entscheiden/", membership.decide_view, name="decide"),
    path("plg-raum/<int:pk>/einladen/", membership.invite_view, name="invite"),
    path(
        "plg-raum/<int:pk>/einladungen/<int:invitation_id>/zuruecknehmen/",
        membership.revoke_invitation_view,
        name="revoke_invitation",
    ),
    path("plg-raum/<int:pk>/verlassen/", membership.leave_view, name="leave"),
    path("plg-raum/<int:pk>/mitglieder/<int:user_id>/entfernen/", membership.remove_member_view, name="remove_member"),
    path("plg-raum/<int:pk>/mitglieder/<int:user_id>/leitung/", membership.promote_view, name="promote"),
    path("plg-raum/<int:pk>/leitung/", membership.assign_lead_view, name="assign_lead"),
    path("plg-raum/<int:pk>/leitung-abgeben/", membership.step_down_view, name="step_down"),
    path("plg-raum/<int:pk>/hervorheben/", curation.feature_view, name="feature"),
    path("plg-raum/<int:pk>/status/", curation.status_view, name="status"),
    path("plg-raum/<int:pk>/sichtbarkeit/", curation.visibility_view, name="visibility"),
    path("plg-raum/<int:pk>/dateien/", material.upload_view, name="upload"),
    path("plg-raum/<int:pk>/dateien/<int:file_id>/loeschen/", material.delete_file_view, name="delete_file"),
    path("plg-raum/<int:pk>/links/", material.add_link_view, name="add_link"),
    path("plg-raum/<int:pk>/links/<int:link_id>/loeschen/", material.delete_link_view, name="delete_link"),
    path("plg-raum/<int:pk>/termine/", meetings.add_meeting_view, name="add_meeting"),
    path("plg-raum/<int:pk>/termine/<int:meeting_id>/absagen/", meetings.cancel_meeting_view, name="cancel_meeting"),
    path("plg-raum/<int:pk>/termine.ics", meetings.calendar_view, name="calendar"),
    path("plg-raum/<int:pk>/termine/<int:meeting_id>.ics", meetings.calendar_view, name="meeting_calendar"),
    path("plg-raum/<int:pk>/ergebnisse/", meetings.publish_result_view, name="publish_result"),
    path("plg-raum/<int:pk>/protokoll/", meetings.change_log_view, name="change_log"),
    path("plg-raum/<int:pk>/themen/neu/", discussion.create_topic_view, name="create_topic"),
    path("plg-raum/<int:pk>/themen/<int:topic_id>/", discussion.topic_view, name="topic"),
    path("plg-raum/<int:pk>/themen/<int:topic_id>/einstellungen/", discussion.topic_flags_view, name="topic_flags"),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/bearbeiten/",
        discussion.edit_message_view,
        name="edit_message",
    ),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/loeschen/",
        discussion.delete_message_view,
        name="delete_message",
    ),
    path(
        "plg-raum/<int:pk>/beitraege/<int:message_id>/ausblenden/",
        discussion.hide_message_view,
        name="hide_message",
    ),
    path("einladungen/<int:invitation_id>/<str:answer>/", membership.answer_invitation_view, name="answer_invitation"),
    path("plg-vorschlaege/", curation.proposals_view, name="proposals"),
    path("plg-vorschlaege/<int:proposal_id>/entscheiden/", curation.decide_proposal_view, name="decide_proposal"),
    path("plg-ergebnisse/", meetings.results_view, name="results"),
]
